"""python manage.py bksb_get_results --all: Get Results for every eligible learner from the command line."""

from __future__ import annotations

import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from bksb_integration.models import Run, RunLearner
from learners.models import SystemStatus
from tests.support import expected_results, linked_learners, stored_results

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True)]


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("bksb_get_results", "--all", "--threads", "1", *args, stdout=out)
    return out.getvalue()


def test_all_downloads_every_eligible_learner_and_prints_the_summary(sandbox):
    learners = linked_learners([1, 2, 3])
    linked_learners([4], system_status=SystemStatus.ARCHIVED)
    output = _run()
    for learner in learners:
        assert stored_results(learner) == expected_results(sandbox, learner)
    assert "3 of 3 learners succeeded (1 skipped)" in output
    run = Run.objects.get()
    assert (run.kind, run.trigger, run.status) == (Run.Kind.GET_RESULTS, Run.Trigger.COMMAND, Run.Status.SUCCEEDED)


def test_json_lists_failures_and_the_exit_status_is_non_zero(sandbox):
    linked_learners([1])
    bad = linked_learners([9999])[0]  # the sandbox has 300 users: no demo.learner9999
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 learners failed"):
        call_command("bksb_get_results", "--all", "--threads", "1", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["learners"] == 2
    assert summary["succeeded"] == 1
    assert summary["failed"] == [{"learner": bad.learner_ref, "reason": mock.ANY}]
    assert "bksb has no user called" in summary["failed"][0]["reason"]
    assert summary["results_created"] > 0


def test_queue_hands_the_run_to_the_workers(sandbox, django_capture_on_commit_callbacks):
    linked_learners([1, 2])
    output = io.StringIO()
    with (
        mock.patch("bksb_integration.sync.get_results.get_results_plan_queue") as plan,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("bksb_get_results", "--all", "--queue", "--json", stdout=output)
    run = Run.objects.get()
    assert json.loads(output.getvalue()) == {"run": run.pk, "queued": True}
    plan.assert_called_once_with(run.pk)
    assert not RunLearner.objects.exists()  # the workers plan and download it


def test_all_and_learner_cannot_be_combined():
    with pytest.raises(CommandError, match="either --all or --learner"):
        call_command("bksb_get_results", "--all", "--learner", "L1")
