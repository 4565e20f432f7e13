"""Statuses against the sandbox: a new bksb user goes through each step as bksb reports it."""

from __future__ import annotations

import pytest

from bksb_integration.induction.status import assessment_statuses_computed
from bksb_integration.induction.status_read import assessment_status
from bksb_integration.models import Run, Stage, Step
from bksb_integration.sync.get_results import get_results_start
from tests.factories import LearnerFactory
from tests.support import mappings_seed

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

USERNAME = "amira.new"


def _get_results(learner, capture) -> Run:
    """Get Results for this record alone, reading its sessions, as the Induction board's Get Results now."""
    with capture(execute=True):
        run, started = get_results_start(
            started_by=None,
            trigger=Run.Trigger.COMMAND,
            selection={"learner": [str(learner.pk)]},
            with_sessions=True,
        )
    assert started
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.message
    return run


def _steps(learner) -> tuple[Stage, Step, Step]:
    status = assessment_status(learner=learner)
    # Stored by each download in its own transaction: always what the facts say.
    assert status == assessment_statuses_computed(learner_ids=[learner.pk])[learner.pk]
    return status.stage, status.subjects[0].step, status.subjects[1].step


def test_a_new_bksb_user_moves_through_each_step_as_the_sandbox_reports_it(sandbox, django_capture_on_commit_callbacks):
    mappings_seed()
    sandbox.store.create_user({"Username": USERNAME, "Firstname": "Amira", "Lastname": "New"})
    learner = LearnerFactory(bksb_user=True, bksb_username=USERNAME)
    assert _steps(learner) == (Stage.NO_USER, Step.NO_USER, Step.NO_USER)  # not linked yet

    _get_results(learner, django_capture_on_commit_callbacks)
    assert _steps(learner) == (Stage.CREATED, Step.CREATED, Step.CREATED)

    sandbox.store.start_session(USERNAME, "ENG_NEW", finish_after=1)
    _get_results(learner, django_capture_on_commit_callbacks)
    assert _steps(learner) == (Stage.IN_PROGRESS, Step.STARTED, Step.CREATED)

    _get_results(learner, django_capture_on_commit_callbacks)  # the session finishes as it is listed
    stage, english, maths = _steps(learner)
    assert english in (Step.FINISHED, Step.RESULTS_IN)
    assert (stage, maths) == (Stage.IN_PROGRESS, Step.CREATED)

    _get_results(learner, django_capture_on_commit_callbacks)  # its result is read
    assert _steps(learner) == (Stage.IN_PROGRESS, Step.RESULTS_IN, Step.CREATED)

    sandbox.store.start_session(USERNAME, "MATHS_NEW", finish_after=0)
    for _ in range(2):
        _get_results(learner, django_capture_on_commit_callbacks)
    status = assessment_status(learner=learner)
    assert status.stage == Stage.RESULTS_IN
    english_marks = {mark.label: mark for mark in status.subjects[0].marks}
    assert all(mark.reached for mark in english_marks.values() if mark.label != "Invited")
    assert english_marks["Invited"].passed_over  # never invited from here: not shown as done
    assert english_marks["Started"].at is not None
    assert english_marks["Finished"].at is not None
    assert english_marks["Results in"].at is not None
