"""The one sweeper: beat runs it every minute, and it takes up the jobs and the download runs whose worker died."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bksbmis.celery import app
from jobs.models import Job
from jobs.queue import WORK_SWEEP
from jobs.sweepers import work_sweep

pytestmark = pytest.mark.django_db


def test_beat_runs_the_one_sweeper_every_minute_in_place_of_the_downloads_own():
    task = PeriodicTask.objects.select_related("interval").get(task=WORK_SWEEP)
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "minutes")
    assert not PeriodicTask.objects.filter(task="bksb_integration.tasks.runs_sweep").exists()
    assert WORK_SWEEP in app.tasks
    assert "bksb_integration.tasks.runs_sweep" in app.tasks  # a schedule stored before still finds its task


def test_the_sweep_takes_up_a_silent_job_and_leaves_moving_and_finished_ones(django_capture_on_commit_callbacks):
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    silent = Job.objects.create(kind="bksb_levels_refresh", status=Job.Status.RUNNING, heartbeat_at=long_ago)
    Job.objects.create(kind="bksb_levels_refresh", status=Job.Status.RUNNING, heartbeat_at=timezone.now())
    Job.objects.create(kind="bksb_levels_refresh", status=Job.Status.SUCCEEDED, heartbeat_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        swept = work_sweep()

    assert swept == {"jobs": 1, "download runs": 0}
    silent.refresh_from_db()
    assert silent.status == Job.Status.SUCCEEDED  # the (eager) worker took it up and finished it
    assert silent.attempts == 1
