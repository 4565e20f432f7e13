"""The main flows with the keyboard alone, in real Chromium: Tab, Enter, Space and typing, never the mouse, with the
focus visible at every stop (tests/browser/keyboard.py checks it at each Tab).

A manager logs in, links a record to bksb and downloads its results in the BKSB Results window, creates a bksb user for
another, gets results for a selection from the learner list, opens the Induction board and Reports. Each window
that opens takes the focus, announces its end through its live region, and is checked with axe, as the
page-by-page test (test_accessibility.py) cannot open it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from bksb_integration.models import BksbLink, Run
from tests.browser.axe import axe_violations, violations_report
from tests.browser.keyboard import follow, menu, press_on, tab_to
from tests.factories import LearnerFactory
from tests.support import linked_learners, mappings_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(page_cap=20, switched_on=True, fast_clients=True),
]

SEPT = dt.date(2026, 9, 7)


@pytest.fixture(autouse=True)
def _mappings(transactional_db):
    mappings_seed()


@pytest.fixture
def page(browser):
    """A UK browser, so a date is typed day, month, year as the college's staff would."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _window_is_accessible(page, window, where: str) -> None:
    expect(window).to_be_visible()
    # The status part is redrawn every second; its stage is read out by the window's own live region.
    said = "document.querySelector('dialog[open] status-announcer').said"
    assert page.wait_for_function(f"{said}.startsWith('Finished')"), f"{where}: the end was not announced"
    in_window = page.evaluate("document.activeElement.closest('dialog') !== null")
    assert in_window, f"{where}: the focus is not in the window"
    violations = axe_violations(page, where=where)
    assert violations == [], violations_report(violations)


def _log_in(page, live_server) -> None:
    """The log-in form by keyboard too: the walk starts at the address bar and needs no pointer after it."""
    page.goto(f"{live_server.url}/login/")
    tab_to(page, "Username")
    page.keyboard.type("manager1")
    tab_to(page, "Password")
    page.keyboard.type("pw-manager1")
    follow(page, "Log in")


def _close(page, window) -> None:
    press_on(page, "Close")
    expect(window).to_be_hidden()


def test_a_manager_links_a_record_downloads_its_results_and_creates_a_user_by_keyboard(
    page, live_server, manager, sandbox
):
    priya = LearnerFactory(first_name="Priya", last_name="Ramanathan", bksb_user=False)
    nadia = LearnerFactory(first_name="Nadia", last_name="Newcomer", bksb_user=False)
    _log_in(page, live_server)

    # Link a record: from the list to the record, its BKSB tab, tick BKSB User, type the username, Apply.
    follow(page, "Ramanathan, Priya")
    follow(page, "BKSB")
    expect(page.get_by_role("heading", name="Link to bksb")).to_be_visible()
    press_on(page, "BKSB User", key="Space")
    expect(page.get_by_label("BKSB User", exact=True)).to_be_checked()
    tab_to(page, "BKSB Username")
    page.keyboard.type("demo.learner0012")
    press_on(page, "Apply")
    expect(page.get_by_text("Linked to bksb user demo.learner0012 (id 2100012).")).to_be_visible()
    assert BksbLink.objects.filter(learner=priya, bksb_user_id=2100012).exists()

    # Download its results: the BKSB Results button opens the window; it finishes; Close with the keyboard.
    press_on(page, "BKSB Results")
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("Finished.")).to_be_visible()
    _window_is_accessible(page, window, "the BKSB Results window on the BKSB tab")
    _close(page, window)
    expect(page.locator("#bksb-initial tbody tr")).to_have_count(20)

    # Create user for a record bksb does not know.
    follow(page, "Learners")
    follow(page, "Newcomer, Nadia")
    follow(page, "BKSB | Create user")
    expect(page.get_by_role("heading", name="Review the new bksb user")).to_be_visible()
    username = page.get_by_label("Username").input_value()
    follow(page, "Create User")
    expect(page.get_by_role("heading", name="bksb user created")).to_be_visible()
    expect(page.get_by_text(f"The bksb user {username} was created and this record is linked to it.")).to_be_visible()
    assert BksbLink.objects.filter(learner=nadia).exists()


def test_a_manager_gets_results_for_a_selection_and_reads_the_induction_board_and_reports_by_keyboard(
    page, live_server, manager, sandbox
):
    demo = linked_learners(range(2, 6), start_date=SEPT)
    page.on("dialog", lambda question: question.accept())  # "Download bksb results for 2 records?"
    _log_in(page, live_server)

    # Get Results for a selection: tick two records on the list with Space, then the list's Get Results.
    for learner in demo[:2]:
        press_on(page, f"Select {learner.full_name}", key="Space")
    expect(page.get_by_label(f"Select {demo[1].full_name}")).to_be_checked()
    press_on(page, "Get Results")
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("Finished.")).to_be_visible()
    expect(window.get_by_text("2 of 2 learners finished: 2 downloaded, 0 failed.")).to_be_visible()
    _window_is_accessible(page, window, "the BKSB Results window of Get Results for a selection")
    _close(page, window)
    run = Run.objects.get(kind=Run.Kind.GET_RESULTS)
    assert run.learners_total == 2

    # The Induction board, from the Management menu; the cohort's dates typed.
    menu(page, "Management", "Induction board")
    tab_to(page, "Start date from")
    page.keyboard.type("01092026")
    tab_to(page, "Start date to")
    page.keyboard.type("30092026")
    follow(page, "Show")
    expect(page.get_by_role("heading", name="4 records in this cohort")).to_be_visible()
    tab_to(page, re.compile(r", Demo\d+$"))  # a learner on the board, reached by Tab

    # Reports: each chart's table is reached by Tab, and its counts lead to the learners.
    menu(page, "Management", "Reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    follow(page, re.compile(r"^\d+$"))
    expect(page).to_have_url(re.compile(r"/learners/\?"))
