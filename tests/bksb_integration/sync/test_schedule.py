"""The nightly Get Results: on at 02:00 by default, changed or switched off by an admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bksb_integration.models import BksbSettings, Run
from bksb_integration.sync.schedule import NIGHTLY_NAME, NIGHTLY_TASK, NightlySchedule, nightly_schedule_get
from bksb_integration.tasks import get_results_nightly_task as get_results_nightly

pytestmark = pytest.mark.django_db


def _task() -> PeriodicTask:
    return PeriodicTask.objects.select_related("crontab").get(name=NIGHTLY_NAME)


def test_by_default_get_results_runs_every_night_at_two():
    schedule = nightly_schedule_get()
    assert schedule.enabled is True
    assert schedule.at == dt.time(2, 0)
    task = _task()
    assert task.task == NIGHTLY_TASK
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("2", "0", "*")
    assert str(task.crontab.timezone) == "Europe/London"


def test_an_admin_moves_the_nightly_run(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("bksb:schedule"), {"enabled": "on", "at": "05:30"}, follow=True)
    assert "Get Results will run every night at 05:30 (UK time)." in response.content.decode()
    task = _task()
    assert task.enabled is True
    assert (task.crontab.hour, task.crontab.minute) == ("5", "30")
    assert str(task.crontab.timezone) == "Europe/London"
    assert PeriodicTask.objects.filter(task=NIGHTLY_TASK).count() == 1
    assert "every night at <strong>05:30</strong>" in client.get(reverse("bksb:management")).content.decode()


def test_an_admin_switches_the_nightly_run_off(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("bksb:schedule"), {"at": "02:00"}, follow=True)
    assert "The nightly Get Results is switched off." in response.content.decode()
    assert _task().enabled is False
    assert "is <strong>off</strong>" in client.get(reverse("bksb:management")).content.decode()


def test_a_time_that_is_not_a_time_changes_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("bksb:schedule"), {"enabled": "on", "at": "25:99"})
    assert response.status_code == 400
    assert "Enter a valid time." in response.content.decode()
    assert nightly_schedule_get().at == dt.time(2, 0)


def test_staff_without_manage_bksb_settings_cannot_change_the_schedule(client, manager):
    client.force_login(manager)
    assert client.post(reverse("bksb:schedule"), {"at": "04:00"}).status_code == 403
    assert nightly_schedule_get() == NightlySchedule(enabled=True, at=dt.time(2, 0))


def _integration_on() -> None:
    settings = BksbSettings.load()
    settings.integration_enabled, settings.api_url, settings.access_key_id = True, "https://bksb.example/", "key"
    settings.secret_access_key = "secret"
    settings.save()


def test_the_scheduled_task_starts_a_run_that_history_shows_as_the_schedule(client, manager):
    _integration_on()
    get_results_nightly.delay()
    run = Run.objects.get(kind=Run.Kind.GET_RESULTS)
    assert run.trigger == Run.Trigger.SCHEDULED
    assert run.started_by is None
    client.force_login(manager)
    assert "<td>Schedule</td>" in client.get(reverse("bksb:history")).content.decode()


def test_the_scheduled_run_does_not_start_a_second_run_beside_a_manual_one(manager):
    _integration_on()
    manual = Run.objects.create(
        kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.MANUAL, started_by=manager, heartbeat_at=timezone.now()
    )
    assert get_results_nightly.delay().get() == manual.pk
    assert Run.objects.filter(kind=Run.Kind.GET_RESULTS).count() == 1
