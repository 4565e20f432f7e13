"""A run's counts survive a worker dying between a learner's commit and the run's counters."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from bksb_integration.models import Run, RunLearner
from bksb_integration.sync import download, runs
from bksb_integration.sync.get_results import get_results_plan, get_results_start, runs_sweep
from tests.fakes import running_sandbox
from tests.support import configure, expected_results, linked_learners, stored_results

pytestmark = pytest.mark.django_db


def test_run_finishes_with_exact_counts_when_a_worker_died_before_counting():
    with running_sandbox() as server:
        configure(server.url)
        learners = linked_learners([1, 3, 4])
        run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
        get_results_plan(run_id=run.pk, enqueue=False)
        parts = list(RunLearner.objects.filter(run=run).order_by("pk"))

        # The first learner's results commit, then the worker dies before the run's counters move.
        with mock.patch.object(download, "run_counts_add", side_effect=SystemExit), pytest.raises(SystemExit):
            download.run_learner_download(run_learner_id=parts[0].pk)
        for part in parts[1:]:
            download.run_learner_download(run_learner_id=part.pk)

        run.refresh_from_db()
        assert run.finished_at is None  # 2 of 3 counted: the run cannot know it is done
        assert run.learners_done == 2

        Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=10))
        runs_sweep()

        run.refresh_from_db()
        assert run.status == Run.Status.SUCCEEDED
        assert run.learners_done == 3
        expected = sum(sum(expected_results(server, learner)) for learner in learners)
        assert run.results_created == expected
        assert sum(sum(stored_results(learner)) for learner in learners) == expected


def test_a_finished_learner_moves_the_run_counts_and_checks_for_the_end():
    with running_sandbox() as server:
        configure(server.url)
        linked_learners([1])
        run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
        get_results_plan(run_id=run.pk, enqueue=False)
        part = RunLearner.objects.get(run=run)
        with mock.patch.object(runs, "run_close_if_done") as close:
            download.run_learner_download(run_learner_id=part.pk)
        close.assert_called_once_with(run_id=run.pk)
        run.refresh_from_db()
        assert (run.learners_done, run.learners_failed) == (1, 0)
        # Resolve the user, one page of each list, then the sessions its new results show, and their skills.
        by_call = server.stats()["by_path"]
        assert run.session_requests == by_call["getAssessmentSessionsForCourseV5"] > 0
        assert run.eoa_requests == by_call.get("GetEOAReportDataForAssessmentSessionV5", 0)
        assert run.requests_made == 3 + run.session_requests + run.eoa_requests
