"""A manager links a learner to bksb and downloads their results, in real Chromium."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult, Run, RunLearner
from bksb_integration.sync.download import run_learner_download
from bksb_integration.sync.runs import bksb_results_start
from tests.factories import LearnerFactory, WebUserFactory
from tests.support import mappings_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(page_cap=20, switched_on=True, fast_clients=True),
]


@pytest.fixture(autouse=True)
def _mappings(transactional_db):
    mappings_seed()


def test_manager_links_a_learner_downloads_results_and_sees_them(page, live_server, browser_login, manager, sandbox):
    web_user = WebUserFactory(
        user__username="demo.learner0012",
        learner__first_name="Priya",
        learner__last_name="Ramanathan",
        learner__learner_ref="L000012",
    )
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login("manager1", "pw-manager1")

    page.goto(f"{live_server.url}/learners/{web_user.learner.pk}/")
    page.get_by_role("link", name="BKSB", exact=True).click()
    expect(page.get_by_role("link", name="BKSB", exact=True)).to_have_attribute("aria-current", "page")

    expect(page.get_by_text("This record is not a BKSB User: tick BKSB User and Apply.")).to_be_visible()
    expect(page.get_by_role("button", name="BKSB Results")).to_have_count(0)
    page.get_by_role("link", name="Change it in Link to bksb").click()
    page.get_by_label("BKSB User", exact=True).check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Linked to bksb user demo.learner0012 (id 2100012).")).to_be_visible()
    expect(page.get_by_text("This record is not a BKSB User")).to_have_count(0)
    status = page.locator("#bksb-results")
    expect(status.get_by_text("(from the web user account)")).to_be_visible()
    expect(status.get_by_text("2100012")).to_be_visible()

    expect(page.locator("#bksb-initial").get_by_text("No results downloaded yet.")).to_be_visible()
    page.get_by_role("button", name="BKSB Results").click()
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window).to_be_visible()
    expect(window.get_by_text("Finished.")).to_be_visible()
    window.get_by_role("button", name="Close").click()
    expect(window).to_be_hidden()

    initial = page.locator("#bksb-initial tbody tr")
    expect(initial.first).to_be_visible()
    expect(initial.first).not_to_have_text("No results downloaded yet.")  # redrawn, not the empty table
    # The user has 25 to 60 of each: the newest 20 are shown, the rest one link away.
    expect(initial).to_have_count(20)
    expect(page.get_by_role("link", name=re.compile(r"Show all \d+ initial assessment results"))).to_be_visible()
    expect(page.locator("#bksb-diagnostic tbody tr").first).to_be_visible()
    summary = page.locator("#bksb-summary")
    for subject in ("English", "Maths", "ICT/Digital"):
        expect(summary.get_by_role("rowheader", name=subject)).to_be_visible()
    expect(summary.locator("strong").first).to_be_visible()
    expect(status.get_by_text("Succeeded")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_closing_the_window_early_leaves_the_download_running_and_the_results_still_appear(
    page, live_server, browser_login, tutor, sandbox
):
    learner = WebUserFactory(user__username="demo.learner0003", learner__bksb_user=True).learner
    run, _ = bksb_results_start(learner=learner, started_by=None, queue=False)
    part = RunLearner.objects.get(run=run)
    RunLearner.objects.filter(pk=part.pk).update(status=RunLearner.Status.RUNNING, claimed_at=timezone.now())
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.RUNNING, stage=Run.Stage.READING, progress_list="initial", progress_page=1, progress_pages=1
    )
    browser_login("tutor1", "pw-tutor1")
    page.goto(f"{live_server.url}/learners/{learner.pk}/bksb/")

    page.get_by_role("button", name="BKSB Results").click()
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("already running")).to_be_visible()
    expect(window.get_by_text("Initial assessments page 1 of 1")).to_be_visible()
    window.get_by_role("button", name="Close").click()
    expect(window).to_be_hidden()

    # The worker carries on and finishes while the window is closed.
    RunLearner.objects.filter(pk=part.pk).update(status=RunLearner.Status.PENDING, claimed_at=None)
    assert run_learner_download(run_learner_id=part.pk) == "succeeded"

    expect(page.locator("#bksb-results").get_by_text("Succeeded")).to_be_visible(timeout=10_000)
    expect(page.locator("#bksb-initial tbody tr").first).not_to_have_text("No results downloaded yet.")
    expect(window).to_be_hidden()
    assert Run.objects.count() == 1


def test_a_record_without_a_web_user_account_says_so_instead_of_offering_bksb_results(
    page, live_server, browser_login, manager, sandbox
):
    learner = LearnerFactory(first_name="Kate", last_name="Brown", bksb_user=True, bksb_username="")
    browser_login("manager1", "pw-manager1")
    page.goto(f"{live_server.url}/learners/{learner.pk}/bksb/")
    expect(page.get_by_role("note").filter(has_text="no web user account and no BKSB Username")).to_be_visible()
    expect(page.get_by_role("button", name="BKSB Results")).to_have_count(0)

    page.get_by_label("BKSB Username").fill("demo.learner0005")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("button", name="BKSB Results")).to_be_visible()
    expect(page.get_by_text("no web user account and no BKSB Username")).to_have_count(0)


def test_a_learner_with_250_results_gets_a_short_tab_with_links_to_each_table(browser, live_server, tutor, sandbox):
    learner = WebUserFactory(user__username="demo.learner0001", learner__bksb_user=True).learner
    when = timezone.now()
    for model, count in ((InitialAssessmentResult, 130), (DiagnosticAssessmentResult, 120)):
        model.objects.bulk_create(_result(model, learner, n, when - dt.timedelta(days=n)) for n in range(count))
    # Without JavaScript: the jump links and Show all are plain links.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("tutor1")
    page.get_by_label("Password").fill("pw-tutor1")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/learners/{learner.pk}/bksb/")

    expect(page.locator("#bksb-initial tbody tr")).to_have_count(20)
    expect(page.locator("#bksb-diagnostic tbody tr")).to_have_count(20)
    jumps = page.get_by_role("navigation", name="Results on this tab")
    jumps.get_by_role("link", name="Diagnostic results (120)").click()
    expect(page.get_by_role("heading", name="Diagnostic results")).to_be_in_viewport()

    page.get_by_role("link", name="Show all 120 diagnostic results").click()
    expect(page.locator("#bksb-diagnostic tbody tr")).to_have_count(120)
    expect(page.locator("#bksb-initial tbody tr")).to_have_count(20)
    page.get_by_role("link", name="Show only the newest 20").click()
    expect(page.locator("#bksb-diagnostic tbody tr")).to_have_count(20)
    context.close()


def _result(model, learner, session, when):
    return model(
        learner=learner,
        bksb_user_id=2100001,
        session_id=session,
        assessment_id=50000,
        course_subject="MATHS_NEW",
        assessment_name="Maths Initial Assessment",
        result="Maths Entry 3",
        result_date=when,
        first_seen_at=when,
        last_changed_at=when,
    )


def test_an_esol_result_shows_the_esol_subject(page, live_server, browser_login, admin_user, sandbox):
    learner = WebUserFactory(user__username="demo.learner0001", learner__bksb_user=True).learner
    result = _result(InitialAssessmentResult, learner, 1, timezone.now())
    result.course_subject, result.subject = "ESOL_NEW", "esol"
    result.save()
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/learners/{learner.pk}/bksb/")
    expect(page.locator("#bksb-initial").get_by_role("cell", name="ESOL", exact=True)).to_be_visible()
    expect(page.get_by_text("ESOL_NEW")).to_have_count(0)

    page.goto(f"{live_server.url}/integrations/bksb/subjects/")
    row = page.get_by_role("row").filter(has_text="ESOL_NEW")
    expect(row.get_by_role("cell", name="ESOL", exact=True)).to_be_visible()
    expect(page.get_by_label("Subject").get_by_role("option", name="ESOL", exact=True)).to_have_count(1)
