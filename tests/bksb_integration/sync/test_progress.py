"""How far a run has got and whether it has stalled, read from the numbers on its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bksb_integration.models import Run, RunLearner
from bksb_integration.sync import download, heartbeat
from bksb_integration.sync.progress import NO_WORKER, RUN_QUIET, WORKER_LOST, run_progress, run_stall
from bksb_integration.sync.runs import bksb_results_start
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def _bksb_results_run(**fields: object) -> tuple[Run, RunLearner]:
    run, _ = bksb_results_start(learner=LearnerFactory(bksb_user=True, bksb_username="x"), started_by=None, queue=False)
    Run.objects.filter(pk=run.pk).update(**fields)
    run.refresh_from_db()
    return run, run.learners.get()


def test_a_reading_run_is_worded_from_its_list_and_page_numbers():
    run, _ = _bksb_results_run(
        status=Run.Status.RUNNING,
        stage=Run.Stage.READING,
        progress_list="diagnostic",
        progress_page=3,
        progress_pages=4,
    )
    progress = run_progress(run)
    assert progress.label == "Diagnostic results page 3 of 4"
    assert progress.percent == 50 + 30


def test_a_finished_run_with_failures_says_so_at_full_bar():
    run, _ = _bksb_results_run(status=Run.Status.PARTIAL, stage=Run.Stage.FINISHED)
    assert (run_progress(run).label, run_progress(run).percent) == ("Finished with failures", 100)


def test_get_results_shows_the_share_of_learners_done():
    run = Run.objects.create(
        kind=Run.Kind.GET_RESULTS,
        status=Run.Status.RUNNING,
        stage=Run.Stage.DOWNLOADING,
        planned_at=timezone.now(),
        learners_total=8,
        learners_done=2,
        heartbeat_at=timezone.now(),
    )
    assert (run_progress(run).label, run_progress(run).percent) == ("Downloading", 25)


def test_a_download_whose_worker_stopped_heartbeating_is_stalled_and_replaceable():
    run, part = _bksb_results_run(status=Run.Status.RUNNING)
    RunLearner.objects.filter(pk=part.pk).update(
        status=RunLearner.Status.RUNNING, claimed_at=timezone.now() - dt.timedelta(minutes=3)
    )
    part.refresh_from_db()
    stall = run_stall(run, part=part)
    assert stall is not None
    assert (stall.reason, stall.replaceable) == (WORKER_LOST, True)


def test_a_download_nobody_picked_up_says_no_worker():
    run, part = _bksb_results_run()
    later = timezone.now() + dt.timedelta(minutes=11)
    stall = run_stall(run, part=part, now=later)
    assert stall is not None
    assert stall.reason == NO_WORKER


def test_a_quiet_get_results_run_is_stalled_but_replaced_only_after_fifteen_minutes():
    now = timezone.now()
    run = Run.objects.create(
        kind=Run.Kind.GET_RESULTS, status=Run.Status.RUNNING, heartbeat_at=now - dt.timedelta(minutes=5)
    )
    quiet = run_stall(run, now=now)
    assert quiet is not None
    assert (quiet.reason, quiet.replaceable) == (RUN_QUIET, False)
    gone = run_stall(run, now=now + dt.timedelta(minutes=11))
    assert gone is not None
    assert gone.replaceable
    assert run_stall(run, now=now - dt.timedelta(minutes=4)) is None


def test_a_learner_whose_bksb_user_is_known_is_never_shown_as_being_checked(monkeypatch):
    """The window says "Checking the bksb user" only when bksb is asked for the id."""
    learner = LearnerFactory(bksb_user=True, bksb_username="known.user")
    run, _ = bksb_results_start(learner=learner, started_by=None, queue=False)
    learner.bksb_link.bksb_user_id, learner.bksb_link.resolved_username = 42, "known.user"
    learner.bksb_link.save()
    stages: list[str] = []
    monkeypatch.setattr(heartbeat.ChunkHeartbeat, "stage", lambda self, stage: stages.append(stage))
    plan = download._plan(
        learner,
        client=None,
        progress=heartbeat.ChunkHeartbeat(run=run, token=1, parts=[]),
        holder=None,
    )
    assert plan.bksb_user_id == 42
    assert Run.Stage.RESOLVING not in stages
