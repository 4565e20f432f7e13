"""A manager opens Management > BKSB > Induction board for a September cohort in real Chromium: the counts
match what the sandbox holds, Send invite reaches those never invited, and a learner's tab shows
where they are in each subject."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from bksb_integration.induction.status_store import assessment_status_rebuild
from bksb_integration.models import AssessmentSession, BksbLink, Run
from bksb_integration.sync.get_results import get_results_start
from bksb_sandbox import vocab
from bksb_sandbox.population import DEMO_ID_BASE
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import linked_learners, mappings_seed, stored_results

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(switched_on=True, fast_clients=True),
]

SEPT = dt.date(2026, 9, 7)
DEMO_NUMBERS = range(1, 13)
NEW_STARTERS = ("new.starter1", "new.starter2")


def _menu(page, menu: str, item: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text(menu, exact=True).click()
    nav.get_by_role("link", name=item, exact=True).click()


def _sandbox_stage(sandbox, number: int) -> str:
    """A demo learner's stage from what the sandbox holds: its initial results, and its unfinished session."""
    user = sandbox.store.user_by_name(f"demo.learner{number:04d}")
    codes = {item["CourseSubject"] for item in sandbox.store.results(user, "initial")}
    has = {"ENG_NEW" in codes, "MATHS_NEW" in codes}
    if user.user_id % 3 == 2:  # the sandbox leaves every third demo learner's initial session unfinished
        return "In progress"
    if has == {True}:
        return "Results in"
    return "In progress" if True in has else "Has a bksb user, not invited"


def _cohort(sandbox) -> dict[str, list[Learner]]:
    """September starters: demo learners, two new bksb users, one record with no bksb user; and last year's.

    Each by the stage the sandbox puts them at.
    """
    mappings_seed()
    demo = linked_learners(DEMO_NUMBERS, start_date=SEPT)
    linked_learners([40], start_date=dt.date(2025, 9, 1))
    new = []
    for number, username in enumerate(NEW_STARTERS, start=1):
        sandbox.store.create_user({"Username": username, "Firstname": "New", "Lastname": f"Starter{number}"})
        new.append(
            LearnerFactory(
                bksb_user=True, bksb_username=username, first_name="New", last_name=f"Starter{number}", start_date=SEPT
            )
        )
    expected: dict[str, list[Learner]] = {
        "No bksb user": [LearnerFactory(bksb_user=False, first_name="Nadia", last_name="Nolink", start_date=SEPT)],
        "Has a bksb user, not invited": new,
        "Invited, not started": [],
        "In progress": [],
        "Finished, no result yet": [],
        "Results in": [],
    }
    for number, learner in zip(DEMO_NUMBERS, demo, strict=True):
        expected[_sandbox_stage(sandbox, number)].append(learner)
    return expected


def _get_results_for_the_cohort() -> None:
    """What the night (or Get Results now) does: results and sessions downloaded for the cohort."""
    selection = {"scope": ["all_matching"], "start_from": ["2026-09-01"], "start_to": ["2026-09-30"]}
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.COMMAND, selection=selection, with_sessions=True)
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.message
    assert run.learners_total == len(DEMO_NUMBERS) + len(NEW_STARTERS)


def _stage_count(page, stage: str):
    return page.get_by_role("region", name=re.compile(f"^{re.escape(stage)} \\d+$"))


def test_the_induction_board_matches_the_sandbox_and_invites_those_not_started(page, browser_login, manager, sandbox):
    expected = _cohort(sandbox)
    assert expected["Results in"]
    assert expected["In progress"]
    not_started = expected["Has a bksb user, not invited"]
    _get_results_for_the_cohort()
    page.on("dialog", lambda question: question.accept())  # "Send the invite to the 2 records ... never invited?"

    browser_login("manager1", "pw-manager1")
    _menu(page, "Management", "Induction board")
    page.get_by_label("Start date from").fill("2026-09-01")
    page.get_by_label("Start date to").fill("2026-09-30")
    page.get_by_role("button", name="Show").click()

    total = sum(len(learners) for learners in expected.values())
    expect(page.get_by_role("heading", name=f"{total} records in this cohort")).to_be_visible()
    for stage, learners in expected.items():
        column = _stage_count(page, stage)
        expect(column.get_by_role("heading", name=f"{stage} {len(learners)}", exact=True)).to_be_visible()
        for learner in learners:
            expect(column.get_by_role("link", name=f"{learner.last_name}, {learner.first_name}")).to_be_visible()

    # Linked by the download (their username was on the record), not created here: the board says so.
    not_invited = _stage_count(page, "Has a bksb user, not invited")
    expect(not_invited.get_by_text("English: Has a bksb user")).to_have_count(len(not_started))
    expect(page.get_by_text("Account created")).to_have_count(0)
    # The new bksb users were never invited: Send invite, not "again" (which has nobody to send to yet).
    expect(page.get_by_role("button", name="Send invite again")).to_be_disabled()
    page.get_by_role("button", name="Send invite", exact=True).click()
    window = page.get_by_role("dialog", name="Send invites")
    n = len(not_started)
    expect(window.get_by_text(f"{n} records: {n} sent.")).to_be_visible()
    assert sorted(email.to[0] for email in mail.outbox) == sorted(learner.email for learner in not_started)
    window.get_by_role("button", name="Close").click()

    page.reload()
    expect(page.get_by_role("heading", name=f"Invited, not started {n}", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Send invite again")).to_be_enabled()
    expect(page.get_by_role("button", name="Send invite", exact=True)).to_be_disabled()

    in_progress = len(expected["In progress"]) + len(expected["Finished, no result yet"])
    page.get_by_role("button", name="Get Results now").click()
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(
        window.get_by_text(f"Get Results for {in_progress} records of the Induction board in progress")
    ).to_be_visible()
    expect(window.get_by_text(f"{in_progress} of {in_progress} learners finished")).to_be_visible()
    window.get_by_role("button", name="Close").click()
    run = Run.objects.latest("pk")
    assert run.with_sessions
    assert run.learners_total == in_progress
    expect(page.get_by_role("heading", name="Has a bksb user, not invited 0", exact=True)).to_be_visible()

    # A learner whose results are in and who sat the reformed English assessment (not every demo learner did).
    sat_v5 = (
        AssessmentSession.objects.filter(
            learner__in=expected["Results in"], subject="english", assessment_type=1, completed_at__isnull=False
        )
        .select_related("learner")
        .earliest("pk")
        .learner
    )
    done = _stage_count(page, "Results in").get_by_role("link", name=f"{sat_v5.last_name}, {sat_v5.first_name}")
    done.click()
    expect(page.get_by_role("heading", name="Initial assessments")).to_be_visible()
    expect(page.get_by_role("heading", name="English: Results in")).to_be_visible()
    expect(page.get_by_role("heading", name="Maths: Results in")).to_be_visible()
    steps = page.get_by_role("list", name="English: Results in")
    expect(steps.get_by_role("listitem")).to_have_count(5)
    expect(steps.get_by_role("listitem").last).to_contain_text("Now,")

    # The per-skill breakdown of one of their finished English sessions, as bksb reported it.
    sessions = page.get_by_role("region", name=re.compile("^Assessment sessions"))
    session = sessions.locator("details").filter(has_text="English initial assessment").filter(has_text="Finished")
    session.first.locator("summary").click()
    components = session.first.get_by_role("rowheader")
    expect(components.first).to_be_visible()
    english = {name for subject in vocab.SUBJECTS if subject.code == "ENG_NEW" for name in subject.components}
    assert {text.strip() for text in components.all_text_contents()} <= english


def test_a_manager_gets_results_for_the_records_a_list_filter_selects(page, browser_login, manager, sandbox):
    """The learner list filtered by Initial assessments, all matching ticked, Get Results: one run for those alone."""
    mappings_seed()
    going = linked_learners([2, 3], start_date=SEPT)
    waiting = linked_learners([4, 5], start_date=SEPT)
    for learner, user_id in zip(going, (DEMO_ID_BASE + 2, DEMO_ID_BASE + 3), strict=True):
        BksbLink.objects.create(learner=learner, bksb_user_id=user_id, resolved_at=timezone.now())
        AssessmentSession.objects.create(
            learner=learner,
            bksb_user_id=user_id,
            course_subject="ENG_NEW",
            subject="english",
            session_id=user_id * 1000,
            assessment_type=1,
            started_at=timezone.now(),
            first_seen_at=timezone.now(),
            last_seen_at=timezone.now(),
        )
    assessment_status_rebuild()  # the facts above are written straight into their tables
    asked: list[str] = []
    page.on("dialog", lambda question: (asked.append(question.message), question.accept()))

    browser_login("manager1", "pw-manager1")
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("group", name="Filters", exact=True).get_by_label("Initial assessments").select_option(
        label="In progress"
    )
    expect(page).to_have_url(re.compile(r"bksb_status=in_progress"))
    expect(page.get_by_role("link", name=f"{waiting[0].last_name}, {waiting[0].first_name}")).to_have_count(0)
    page.get_by_label("Select all 2 matching this filter").check()
    page.get_by_role("button", name="Get Results").click()

    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window).to_be_visible()
    assert asked == ["Download bksb results for 2 records matching this filter?"]
    expect(window.get_by_text("Get Results for all 2 records matching a filter of the learner list")).to_be_visible()
    expect(window.get_by_text("2 of 2 learners finished: 2 downloaded, 0 failed")).to_be_visible()
    assert [sum(stored_results(learner)) > 0 for learner in going] == [True, True]
    assert [sum(stored_results(learner)) for learner in waiting] == [0, 0]
