"""The assessment status of records: each step, its date, the stage, and the list filter agreeing with it.

Facts are written here straight into their tables, then the stored status rebuilt
(bksb_rebuild_status); each status read is checked against the one worked out from the facts.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bksb_integration.induction.status import (
    AWAITING_RESULTS,
    FILTER_CHOICES,
    NOT_STARTED,
    AssessmentStatus,
    assessment_statuses_computed,
)
from bksb_integration.induction.status_read import assessment_statuses, stage_filter
from bksb_integration.induction.status_store import assessment_status_rebuild
from bksb_integration.models import AssessmentSession, BksbLink, BksbSettings, Invite, Stage, Step, UserCreationRequest
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import add_result

pytestmark = pytest.mark.django_db

USER_ID = 2100001
T0 = dt.datetime(2026, 9, 8, 9, 0, tzinfo=dt.UTC)
SUBJECT_CODES = {"english": "ENG_NEW", "maths": "MATHS_NEW"}


def _user(**fields) -> Learner:
    learner = LearnerFactory(bksb_user=True, bksb_username="amira.k", **fields)
    BksbLink.objects.create(learner=learner, bksb_user_id=USER_ID, resolved_at=T0)
    return learner


def _session(learner, subject="english", *, session_id=9001, started=T0, completed=None, kind=1):
    now = timezone.now()
    return AssessmentSession.objects.create(
        learner=learner,
        bksb_user_id=USER_ID,
        course_subject=SUBJECT_CODES[subject],
        subject=subject,
        session_id=session_id,
        assessment_type=kind,
        started_at=started,
        completed_at=completed,
        first_seen_at=now,
        last_seen_at=now,
    )


def _result(learner, subject="english", *, session_id=9001, when=T0):
    code = SUBJECT_CODES[subject]
    return add_result(
        learner, bksb_user_id=USER_ID, session_id=session_id, subject=subject, course_subject=code, when=when
    )


def assessment_status(*, learner: Learner) -> AssessmentStatus:
    """The stored status once rebuilt from the facts set here directly, checked against the computed one."""
    assessment_status_rebuild()
    stored = assessment_statuses(learner_ids=[learner.pk])[learner.pk]
    assert stored == assessment_statuses_computed(learner_ids=[learner.pk])[learner.pk]
    return stored


def _steps(learner) -> dict[str, Step]:
    return {row.subject: row.step for row in assessment_status(learner=learner).subjects}


def test_a_record_not_ticked_bksb_user_has_no_bksb_user():
    learner = LearnerFactory(bksb_user=False)
    status = assessment_status(learner=learner)
    assert status.stage == Stage.NO_USER
    assert _steps(learner) == {"english": Step.NO_USER, "maths": Step.NO_USER}
    assert status.text == "English: No bksb user · Maths: No bksb user"


def test_a_ticked_record_whose_bksb_user_is_not_known_yet_has_no_bksb_user():
    learner = LearnerFactory(bksb_user=True, bksb_username="someone")
    assert assessment_status(learner=learner).stage == Stage.NO_USER


def test_an_account_created_here_is_dated_when_it_was_created():
    learner = LearnerFactory(bksb_user=True, bksb_username="amira.k")
    creation = UserCreationRequest.objects.create(
        learner=learner, username="amira.k", email="a@example.ac.uk", status=UserCreationRequest.Status.CREATED
    )
    status = assessment_status(learner=learner)
    assert status.stage == Stage.CREATED
    english = status.subjects[0]
    assert english.step == Step.CREATED
    assert [(mark.label, mark.reached, mark.at) for mark in english.marks] == [
        ("Has a bksb user", True, creation.updated_at),
        ("Invited", False, None),
        ("Started", False, None),
        ("Finished", False, None),
        ("Results in", False, None),
    ]


def test_a_linked_account_is_dated_when_it_was_linked_and_says_it_has_a_bksb_user():
    learner = _user()
    status = assessment_status(learner=learner)
    assert status.subjects[1].marks[0].at == T0
    # Linked (by an import, matching or Apply), not created here: never "Account created", on the tab, list or board.
    assert status.subjects[1].marks[0].label == "Has a bksb user"
    assert status.text == "English: Has a bksb user · Maths: Has a bksb user"
    assert status.stage.label == "Has a bksb user, not invited"


def test_an_invite_moves_both_subjects_to_invited_dated_by_the_latest_invite():
    learner = _user()
    Invite.objects.create(learner=learner, email="a@example.ac.uk", username="amira.k")
    later = Invite.objects.create(learner=learner, email="a@example.ac.uk", username="amira.k")
    status = assessment_status(learner=learner)
    assert status.stage == Stage.INVITED
    assert [row.step for row in status.subjects] == [Step.INVITED, Step.INVITED]
    assert status.subjects[0].marks[1].at == later.sent_at


def test_an_unfinished_session_is_started_in_that_subject_only():
    learner = _user()
    _session(learner, "english", started=T0)
    status = assessment_status(learner=learner)
    assert _steps(learner) == {"english": Step.STARTED, "maths": Step.CREATED}
    assert status.stage == Stage.IN_PROGRESS
    assert status.subjects[0].marks[2].at == T0


def test_a_finished_session_without_its_result_is_finished_no_result_yet():
    learner = _user()
    _session(learner, "english", completed=T0 + dt.timedelta(minutes=40))
    _session(learner, "maths", session_id=9002, completed=T0 + dt.timedelta(minutes=50))
    status = assessment_status(learner=learner)
    assert _steps(learner) == {"english": Step.FINISHED, "maths": Step.FINISHED}
    assert status.stage == Stage.FINISHED
    assert status.subjects[1].marks[3].at == T0 + dt.timedelta(minutes=50)


def test_the_result_of_the_session_makes_it_results_in_even_before_the_session_list_is_read_again():
    learner = _user()
    _session(learner, "english", completed=None)  # stored while unfinished
    english = _result(learner, "english", session_id=9001)
    _result(learner, "maths", session_id=9002)  # its session never read: the result alone counts
    status = assessment_status(learner=learner)
    assert _steps(learner) == {"english": Step.RESULTS_IN, "maths": Step.RESULTS_IN}
    assert status.stage == Stage.RESULTS_IN
    assert status.subjects[0].marks[4].at == english.first_seen_at
    assert status.subjects[1].marks[3].at == T0  # finished: the result's date when no session says


def test_a_diagnostic_session_is_not_the_initial_assessment():
    learner = _user()
    _session(learner, "english", kind=AssessmentSession.AssessmentType.DIAGNOSTIC)
    assert _steps(learner)["english"] == Step.CREATED


def test_one_subject_in_and_the_other_not_started_is_in_progress():
    learner = _user()
    _result(learner, "english")
    assert assessment_status(learner=learner).stage == Stage.IN_PROGRESS


def test_one_finished_and_one_in_is_finished_no_result_yet():
    learner = _user()
    _result(learner, "english")
    _session(learner, "maths", session_id=9002, completed=T0)
    assert assessment_status(learner=learner).stage == Stage.FINISHED


# -- many records: one query, and the list's filter says the same ---------------------------------


def _every_combination(base: int = 10_000) -> list[Learner]:
    """A record for each way the two subjects can stand, before and after an account and an invite."""
    learners = [LearnerFactory(bksb_user=False), LearnerFactory(bksb_user=True, bksb_username="x")]
    created = _user()
    invited = _user()
    Invite.objects.create(learner=invited, email="a@example.ac.uk", username="amira.k")
    learners += [created, invited]
    ways = ["none", "unfinished", "finished", "result"]
    for number, (english, maths) in enumerate(itertools.product(ways, ways)):
        learner = _user()
        for offset, (subject, way) in enumerate((("english", english), ("maths", maths))):
            session_id = base + number * 10 + offset
            if way in ("unfinished", "finished"):
                _session(learner, subject, session_id=session_id, completed=T0 if way == "finished" else None)
            if way == "result":
                _session(learner, subject, session_id=session_id, completed=T0)
                _result(learner, subject, session_id=session_id)
        learners.append(learner)
    assessment_status_rebuild()
    return learners


def test_statuses_of_many_records_cost_one_query():
    learners = _every_combination()
    with CaptureQueriesContext(connection) as queries:
        statuses = assessment_statuses(learner_ids=[learner.pk for learner in learners])
    assert len(queries) == 1
    assert set(statuses) == {learner.pk for learner in learners}


def test_the_list_filter_selects_exactly_the_records_at_each_stage():
    learners = _every_combination()
    statuses = assessment_statuses(learner_ids=[learner.pk for learner in learners])
    groups = {NOT_STARTED: {Stage.CREATED, Stage.INVITED}, AWAITING_RESULTS: {Stage.IN_PROGRESS, Stage.FINISHED}}
    for value, _label in FILTER_CHOICES:
        stages = groups.get(value, {value})
        expected = {pk for pk, status in statuses.items() if status.stage in stages}
        assert set(stage_filter(Learner.objects.all(), value).values_list("pk", flat=True)) == expected, value
    assert {status.stage for status in statuses.values()} == set(Stage)


def test_the_list_filter_is_one_query_whatever_the_number_of_records():
    _every_combination()
    with CaptureQueriesContext(connection) as few:
        list(stage_filter(Learner.objects.all(), Stage.IN_PROGRESS))
    _every_combination(base=20_000)
    with CaptureQueriesContext(connection) as more:
        list(stage_filter(Learner.objects.all(), Stage.IN_PROGRESS))
    assert len(few) == len(more) == 1


def test_the_induction_board_counts_every_stage_and_names_each_record_once():
    from bksb_integration.induction.board import induction_board

    learners = _every_combination()
    statuses = assessment_statuses(learner_ids=[learner.pk for learner in learners])
    BksbSettings.load()  # the settings row exists, as it does once the integration is set up
    with CaptureQueriesContext(connection) as queries:
        board = induction_board(cohort=Learner.objects.all(), shown=3)
    assert board.total == len(learners)
    for column in board.columns:
        assert column.count == sum(1 for status in statuses.values() if status.stage == column.stage)
        assert [line.status.stage for line in column.lines] == [column.stage] * min(3, column.count)
        by_name = [(line.learner.last_name, line.learner.first_name, line.learner.learner_ref) for line in column.lines]
        assert by_name == sorted(by_name)
    english = dict(board.subjects[0].counts)
    assert english[Step.STARTED] == sum(1 for s in statuses.values() if s.subjects[0].step == Step.STARTED)
    # The cohort counted by steps, the first of each stage, the records named, their statuses, the watch list,
    # the rushed thresholds (the settings) and the named records' rushed sessions.
    assert len(queries) == 7
