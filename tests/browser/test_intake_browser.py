"""Create bksb users for an intake, and the unmatched report, in real Chromium, found by their labels."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from bksb_integration.models import Invite, Run
from bksb_integration.sync.get_results import get_results_start
from jobs import queue
from jobs.services import job_run
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import configure, linked_learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch):
    """Queued jobs wait here until the test lets the worker run them, so the window is seen before the end."""
    waiting: list[int] = []
    monkeypatch.setattr(queue, "job_run_queue", waiting.append)

    def run_all() -> None:
        while waiting:
            job_run(job_id=waiting.pop(0))

    return run_all


@pytest.mark.sandbox(switched_on=True)
def test_a_manager_creates_bksb_users_for_an_intake_with_invites_and_watches_to_the_end(
    page, browser_login, manager, sandbox, worker
):
    # (More than a page of the list is tested in test_jobs_browser; here the invites, kept short on SQLite.)
    for n in range(12):
        LearnerFactory(first_name=f"Starter{n:02}", last_name="September")
    LearnerFactory(first_name="No", last_name="September", email="", learner_ref="L009999")
    LearnerFactory(first_name="Not", last_name="Included")

    browser_login("manager1", "pw-manager1")
    page.get_by_label("Search").fill("September")
    expect(page).to_have_url(re.compile(r"q=September"))
    page.get_by_label("Select all 13 matching this filter").check()
    page.get_by_role("button", name="Create bksb users").click()

    choice = page.get_by_role("dialog", name="Create bksb users")
    expect(choice.get_by_text("13 records selected")).to_be_visible()
    choice.get_by_label("Send each new bksb user an invite").check()
    choice.get_by_role("button", name="Start creating bksb users").click()

    window = page.get_by_role("dialog", name="Create bksb users")
    expect(window.get_by_text("0 of 13 records")).to_be_visible()
    worker()
    expect(window.get_by_text("Finished with failures.")).to_be_visible()
    outcomes = window.get_by_role("table", name="Outcome for each record")
    expect(outcomes.get_by_text("Created and invited", exact=True)).to_have_count(12)
    expect(outcomes.get_by_text("Not sent: fix the record", exact=True)).to_have_count(1)
    expect(outcomes.get_by_text("Fix Email: An email address is required")).to_be_visible()
    assert Learner.objects.filter(last_name="September", bksb_user=True).count() == 12
    assert not Learner.objects.get(last_name="Included").bksb_user
    assert len(sandbox.created_users()) == 12
    assert len(mail.outbox) == Invite.objects.count() == 12


@pytest.mark.sandbox(switched_on=True)
def test_a_manager_works_through_the_unmatched_report(page, browser_login, manager, sandbox, worker):
    linked_learner("no.such.user", web_user=False, first_name="Una", last_name="Known")
    LearnerFactory(first_name="Nell", last_name="Newcomer")
    get_results_start(started_by=None, trigger=Run.Trigger.MANUAL)  # finds no.such.user unknown to bksb

    browser_login("manager1", "pw-manager1")
    page.get_by_role("navigation", name="Main").get_by_text("Integrations", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="bksb", exact=True).click()
    counts = page.get_by_role("region", name="Unmatched records")
    expect(counts.get_by_text("Username not found in bksb")).to_be_visible()
    counts.get_by_role("link", name="Open the unmatched report").click()

    expect(page.get_by_role("heading", name="Unmatched")).to_be_visible()
    report = page.get_by_role("table", name="Unmatched records")
    unknown = report.get_by_role("row").filter(has_text="Known, Una")
    expect(unknown.get_by_text("bksb has no user called “no.such.user”.")).to_be_visible()
    expect(unknown.get_by_role("link", name="Find in bksb")).to_be_visible()
    newcomer = report.get_by_role("row").filter(has_text="Newcomer, Nell")
    expect(newcomer.get_by_role("link", name="Find in bksb")).to_be_visible()  # looked for before it is created
    page.get_by_label("Kind", exact=True).select_option(label="Eligible, not a BKSB User (1)")
    page.get_by_role("button", name="Show").click()
    expect(report.get_by_text("Known, Una")).to_have_count(0)

    # Nobody has looked for these records in bksb yet, so Create bksb users is not offered for them: the page
    # says why, and points to Match learners first (nobody bksb may know already gets a second account).
    expect(page.get_by_role("button", name="Create bksb users")).to_have_count(0)
    left_out = page.locator("#bksb-unmatched-left-out")
    expect(left_out).to_contain_text("nobody has looked for them in bksb yet: Match learners first")
    assert not Learner.objects.get(last_name="Newcomer").bksb_user


def test_an_admin_switches_on_automatic_bksb_users_and_the_summary_says_so(page, browser_login, admin_user):
    configure()
    browser_login("admin1", "pw-admin1")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Integrations", exact=True).click()
    nav.get_by_role("link", name="bksb", exact=True).click()
    expect(page.get_by_text("Create bksb users automatically: Off.")).to_be_visible()

    page.get_by_role("navigation", name="bksb integration").get_by_role("link", name="Automatic users").click()
    page.get_by_role("checkbox", name="Create bksb users automatically").check()
    page.get_by_role("checkbox", name="Send each new user an invite").check()
    page.get_by_role("button", name="Save").click()

    expect(
        page.get_by_text("bksb users will be created automatically after each import and each night.")
    ).to_be_visible()
    page.get_by_role("navigation", name="bksb integration").get_by_role("link", name="Summary").click()
    expect(page.get_by_text("each with an invite")).to_be_visible()
