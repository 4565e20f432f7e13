"""The nightly Get Results and watch list schedules, kept in django-celery-beat so admins can change them.

Beat's database scheduler notices changes by itself: a new time or switching
the run off takes effect without a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from bksb_integration.models import BksbSettings
from bksb_integration.sync import queue

NIGHTLY_NAME = "bksb: get results for all linked learners"
NIGHTLY_TASK = queue.GET_RESULTS_NIGHTLY
DEFAULT_TIME = dt.time(2, 0)


@dataclass(frozen=True)
class NightlySchedule:
    enabled: bool
    at: dt.time


def _task() -> PeriodicTask:
    task = PeriodicTask.objects.select_related("crontab").filter(name=NIGHTLY_NAME).first()
    if task is None:
        task = PeriodicTask(name=NIGHTLY_NAME, task=NIGHTLY_TASK, crontab=_crontab(DEFAULT_TIME))
        task.save()
    return task


def _crontab(at: dt.time) -> CrontabSchedule:
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(at.minute),
        hour=str(at.hour),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    return crontab


def nightly_schedule_get() -> NightlySchedule:
    task = _task()
    crontab = task.crontab
    try:
        at = dt.time(int(crontab.hour), int(crontab.minute)) if crontab else DEFAULT_TIME
    except ValueError:  # an admin wrote a pattern (e.g. */2) in the Django admin
        at = DEFAULT_TIME
    return NightlySchedule(enabled=task.enabled, at=at)


def nightly_schedule_set(*, enabled: bool, at: dt.time) -> NightlySchedule:
    """Run nightly at `at` (UK time), or not at all."""
    with transaction.atomic():
        task = _task()
        task.crontab = _crontab(at.replace(second=0, microsecond=0))
        task.enabled = enabled
        task.save()
    return nightly_schedule_get()


# -- the watch list (watch.py): one pass every M minutes; the pass itself keeps to the watch hours ---

WATCH_NAME = "bksb: poll the watch list"
WATCH_TASK = queue.WATCH_PASS
DEFAULT_EVERY = 10


@dataclass(frozen=True)
class WatchSchedule:
    enabled: bool
    every_minutes: int


def _watch_task() -> PeriodicTask:
    task = PeriodicTask.objects.select_related("interval").filter(name=WATCH_NAME).first()
    if task is None:
        every = BksbSettings.load().watch_interval_minutes or DEFAULT_EVERY
        task = PeriodicTask(name=WATCH_NAME, task=WATCH_TASK, interval=_interval(every))
        task.save()
    return task


def _interval(minutes: int) -> IntervalSchedule:
    interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
    return interval


def watch_schedule_get() -> WatchSchedule:
    task = _watch_task()
    interval = task.interval
    minutes = interval.every if interval and interval.period == IntervalSchedule.MINUTES else DEFAULT_EVERY
    return WatchSchedule(enabled=task.enabled, every_minutes=minutes)


def watch_schedule_set(*, enabled: bool, every_minutes: int) -> WatchSchedule:
    """Poll the watch list every `every_minutes` minutes, or not at all; the setting follows."""
    with transaction.atomic():
        task = _watch_task()
        task.interval = _interval(every_minutes)
        task.enabled = enabled
        task.save()
        BksbSettings.objects.filter(pk=BksbSettings.load().pk).update(watch_interval_minutes=every_minutes)
    return watch_schedule_get()
