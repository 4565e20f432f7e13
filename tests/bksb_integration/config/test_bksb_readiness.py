"""Scheduled runs and bksb commands do nothing while the integration is off or not deployed."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from bksb_integration.models import BksbSettings, Run
from bksb_integration.tasks import get_results_nightly_task as get_results_nightly
from tests.factories import LearnerFactory
from tests.support import linked_learners

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True)]


def test_the_nightly_run_is_skipped_while_the_integration_is_disabled():
    linked_learners([1, 2])
    settings = BksbSettings.load()
    settings.integration_enabled = False
    settings.save()
    assert get_results_nightly() is None
    assert not Run.objects.exists()


def test_the_nightly_run_is_skipped_when_the_module_is_not_deployed(settings, sandbox):
    linked_learners([1])
    settings.BKSB_INTEGRATION_AVAILABLE = False
    assert get_results_nightly() is None
    assert not Run.objects.exists()


def test_the_nightly_run_downloads_when_configured(sandbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        linked_learners([1])
        run_id = get_results_nightly()
    run = Run.objects.get(pk=run_id)
    assert (run.trigger, run.status) == (Run.Trigger.SCHEDULED, Run.Status.SUCCEEDED)


@pytest.mark.parametrize(
    "args",
    [
        ["bksb_get_results", "--all"],
        ["bksb_get_results", "--learner", "L1"],
        ["bksb_create_user", "--learner", "L1"],
    ],
)
def test_commands_refuse_plainly_when_the_integration_is_not_configured(args):
    LearnerFactory(learner_ref="L1")
    with pytest.raises(CommandError, match="not enabled: switch on Integration Enabled"):
        call_command(*args, stdout=io.StringIO())


@pytest.mark.parametrize(
    "args",
    [["bksb_get_results", "--all"], ["bksb_export_results"], ["bksb_create_user", "--learner", "L1"]],
)
def test_commands_refuse_when_the_module_is_not_deployed(settings, args):
    settings.BKSB_INTEGRATION_AVAILABLE = False
    with pytest.raises(CommandError, match="not available in this deployment"):
        call_command(*args, stdout=io.StringIO())
