"""A manager runs Management > BKSB > Get Results in real Chromium, watches the BKSB Results
window to the end, closes it, and finds the run in History."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bksb_integration.models import Run
from tests.factories import LearnerFactory
from tests.support import linked_learners

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(latency_ms=5, switched_on=True),
]


def _menu(page, menu: str, item: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text(menu, exact=True).click()
    nav.get_by_role("link", name=item, exact=True).click()


def test_a_manager_gets_everyone_s_results_and_finds_the_run_in_history(page, browser_login, manager, sandbox):
    linked_learners([2, 3, 4])
    LearnerFactory(bksb_user=True, bksb_username="nobody.at.all", first_name="Nora", last_name="Nobody")
    page.on("dialog", lambda question: question.accept())  # "Download bksb results for all 4 ...?"

    browser_login("manager1", "pw-manager1")
    _menu(page, "Management", "Get Results")
    expect(page.get_by_role("heading", name="Get Results", exact=True)).to_be_visible()
    expect(page.get_by_text("eligible now")).to_be_visible()
    expect(page.get_by_text("No Get Results run yet.")).to_be_visible()
    page.get_by_role("button", name="Get Results").click()

    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window).to_be_visible()
    expect(window.get_by_text("Finished with failures.")).to_be_visible()
    expect(window.get_by_text("4 of 4 learners finished: 3 downloaded, 1 failed.")).to_be_visible()
    expect(window.get_by_role("link", name="Nora Nobody")).to_be_visible()
    expect(window.get_by_text("bksb has no user called “nobody.at.all”")).to_be_visible()
    window.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The page behind shows the run that just finished, without a reload.
    expect(page.get_by_role("heading", name="Last run")).to_be_visible()
    expect(page.get_by_text("No Get Results run yet.")).to_have_count(0)
    expect(page.get_by_text("Finished with failures.")).to_be_visible()

    run = Run.objects.get(kind=Run.Kind.GET_RESULTS)
    assert run.status == Run.Status.PARTIAL
    assert run.results_created > 0
    _menu(page, "Management", "History")
    row = page.get_by_role("row").filter(has_text="Get Results for every eligible learner")
    expect(row).to_contain_text("manager1")
    expect(row).to_contain_text("Finished with failures")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("Get Results for every eligible learner"))).to_be_visible()
    counts = page.get_by_role("region", name="Counts")
    expect(counts).to_contain_text(f"New results{run.results_created}")
    expect(counts).to_contain_text("Learners4 of 4 learners finished: 3 downloaded, 1 failed")
    expect(page.get_by_role("link", name="Nora Nobody")).to_be_visible()


def test_closing_the_window_leaves_the_run_going_and_the_page_follows_it(page, browser_login, manager, tutor, sandbox):
    now = timezone.now()
    running = Run.objects.create(
        kind=Run.Kind.GET_RESULTS,
        status=Run.Status.RUNNING,
        started_by=tutor,
        stage=Run.Stage.DOWNLOADING,
        created_at=now,
        started_at=now,
        planned_at=now,
        heartbeat_at=now,
        learners_total=5,
        learners_done=2,
    )
    page.on("dialog", lambda question: question.accept())
    browser_login("manager1", "pw-manager1")
    _menu(page, "Management", "Get Results")
    expect(page.get_by_role("heading", name="Get Results is running")).to_be_visible()
    page.get_by_role("button", name="Get Results").click()

    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("Get Results was already running")).to_be_visible()
    expect(window.get_by_text("2 of 5", exact=True)).to_be_visible()
    window.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.wait_for_timeout(3500)  # two polls of the page's own status: the window stays closed
    expect(page.get_by_role("dialog")).to_have_count(0)

    Run.objects.filter(pk=running.pk).update(
        learners_done=5, status=Run.Status.SUCCEEDED, finished_at=timezone.now(), results_created=12
    )
    expect(page.get_by_text("Finished.")).to_be_visible()
    expect(page.get_by_text("5 of 5 learners finished: 5 downloaded, 0 failed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Last run")).to_be_visible()
    assert Run.objects.filter(kind=Run.Kind.GET_RESULTS).count() == 1


def test_get_results_for_all_learners_is_a_right_of_its_own(page, browser_login, admin_user, tutor, live_server):
    browser_login("tutor1", "pw-tutor1")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Management", exact=True).click()  # tutors have Reports there (the BKSB module), not Get Results
    expect(nav.get_by_role("link", name="Reports", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Get Results", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="History", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    browser_login("admin1", "pw-admin1")
    _menu(page, "Tools", "Edit Permissions")
    for group, held in (("Managers", True), ("Tutors", False)):
        page.get_by_label("User or group").select_option(label=group)
        page.get_by_role("button", name="Open").click()
        page.get_by_role("tab", name="Commands").click()
        expect(page.get_by_label("Get BKSB Results")).to_be_checked()
        expect(page.get_by_label("Get Results for all learners")).to_be_checked(checked=held)
