"""Long work runs on the workers while a window shows how far it has got: Import learners and
Create bksb users, in real Chromium, watched to the end."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jobs import queue
from jobs.models import Job
from jobs.services import job_run
from learners.importing import COLUMNS
from learners.models import Learner
from tests.factories import LearnerFactory

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


def _menu(page, menu: str, item: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text(menu, exact=True).click()
    nav.get_by_role("link", name=item, exact=True).click()


def test_a_manager_imports_a_file_and_watches_the_window_to_the_end(page, browser_login, manager, tmp_path, worker):
    rows = [
        f"L00070{n},learner,First{n},Imported,l{n}@example.ac.uk,2004-05-17,Live,In Learning,2025-09-01,,,no,"
        for n in range(3)
    ]
    csv_path = tmp_path / "learners.csv"
    csv_path.write_text("\n".join([",".join(COLUMNS), *rows, "L000799,learner,Bad,Row,nope,,,,,,,,"]) + "\n")

    browser_login("manager1", "pw-manager1")
    _menu(page, "Tools", "Import learners")
    page.get_by_label("CSV or ILR file").set_input_files(str(csv_path))
    page.get_by_label("Skip invalid rows").check()
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Check import")).to_be_visible()
    page.get_by_role("button", name="Confirm import").click()

    window = page.get_by_role("dialog", name="Import learners")
    expect(window).to_be_visible()
    expect(window.get_by_text("Queued")).to_be_visible()
    assert not Learner.objects.filter(last_name="Imported").exists()

    worker()
    expect(window.get_by_text("Finished.")).to_be_visible()
    expect(window.get_by_text("Imported 3 rows: 3 created")).to_be_visible()
    expect(window.get_by_role("heading", name="Rows left out")).to_be_visible()
    expect(window.get_by_text("email: Enter a valid email address.")).to_be_visible()
    window.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert Learner.objects.filter(last_name="Imported").count() == 3
    assert Job.objects.get().status == Job.Status.SUCCEEDED


@pytest.mark.sandbox(switched_on=True)
def test_a_manager_creates_bksb_users_for_ticked_records_and_watches_the_window(
    page, browser_login, manager, sandbox, worker
):
    fine = [LearnerFactory(first_name=name, last_name="Ticked") for name in ("Ada", "Ben", "Cy")]
    LearnerFactory(first_name="Dee", last_name="Ticked", email="")

    browser_login("manager1", "pw-manager1")
    page.get_by_label("Search").fill("Ticked")
    expect(page).to_have_url(re.compile(r"q=Ticked"))  # the list has been filtered: ticks made now stay
    for name in ("Ada", "Ben", "Cy", "Dee"):
        page.get_by_label(f"Select {name} Ticked", exact=True).check()
    page.get_by_role("button", name="Create bksb users").click()
    choice = page.get_by_role("dialog", name="Create bksb users")
    expect(choice.get_by_text("4 records selected")).to_be_visible()
    choice.get_by_role("button", name="Start creating bksb users").click()

    window = page.get_by_role("dialog", name="Create bksb users")
    expect(window).to_be_visible()
    expect(window.get_by_text("0 of 4 records")).to_be_visible()
    outcomes = window.get_by_role("table", name="Outcome for each record")
    expect(outcomes.get_by_text("Waiting")).to_have_count(4)

    worker()
    expect(window.get_by_text("Finished with failures.")).to_be_visible()
    expect(outcomes.get_by_text("Created", exact=True)).to_have_count(3)
    expect(outcomes.get_by_text("Not sent: fix the record", exact=True)).to_have_count(1)
    expect(outcomes.get_by_text("An email address is required")).to_be_visible()
    for learner in fine:
        learner.refresh_from_db()
        assert learner.bksb_user
        assert sandbox.user_details(learner.bksb_username) is not None


@pytest.mark.sandbox(switched_on=True)
def test_a_manager_creates_bksb_users_for_all_matching_a_filter(page, browser_login, manager, sandbox, worker):
    for n in range(55):  # more than a page
        LearnerFactory(first_name=f"Member{n:02}", last_name="Intake")
    LearnerFactory(first_name="Not", last_name="Included")

    browser_login("manager1", "pw-manager1")
    page.get_by_label("Search").fill("Intake")
    expect(page).to_have_url(re.compile(r"q=Intake"))
    expect(page.get_by_text("55 records")).to_be_visible()
    page.get_by_label("Select all 55 matching this filter").check()
    page.get_by_role("button", name="Create bksb users").click()
    page.get_by_role("dialog", name="Create bksb users").get_by_role("button", name="Start creating bksb users").click()

    window = page.get_by_role("dialog", name="Create bksb users")
    expect(window.get_by_text("0 of 55 records")).to_be_visible()
    worker()
    expect(window.get_by_text("Finished.")).to_be_visible()
    assert Learner.objects.filter(last_name="Intake", bksb_user=True).count() == 55
    assert not Learner.objects.get(last_name="Included").bksb_user
