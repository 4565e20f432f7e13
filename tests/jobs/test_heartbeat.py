"""A job busy with one long step keeps beating (so the sweeper leaves it alone), and stops beating with it."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from jobs import lease
from jobs.kinds import JobEnd, JobKind, job_kind_register
from jobs.models import Job
from jobs.services import job_run

pytestmark = pytest.mark.django_db(transaction=True)  # the heartbeat commits from its own thread

seen: list[dt.datetime | None] = []


def _one_long_step(job: Job) -> JobEnd:
    seen.append(Job.objects.get(pk=job.pk).heartbeat_at)
    time.sleep(0.6)  # a big file's check, a slow bksb: no progress written meanwhile
    seen.append(Job.objects.get(pk=job.pk).heartbeat_at)
    return JobEnd("done")


job_kind_register(
    JobKind(code="test_long_step", title="Long", unit="items", run=_one_long_step, may_run=lambda u: True, template="")
)


def test_a_long_step_moves_the_heartbeat_and_the_beating_ends_with_the_job(monkeypatch):
    seen.clear()
    monkeypatch.setattr(lease, "HEARTBEAT_EVERY", dt.timedelta(seconds=0.1))
    job = Job.objects.create(kind="test_long_step")

    assert job_run(job_id=job.pk) == Job.Status.SUCCEEDED

    claimed_at, later = seen
    assert claimed_at is not None
    assert later is not None
    assert later - claimed_at >= dt.timedelta(seconds=0.3)  # beaten while the step ran
    finished = Job.objects.get(pk=job.pk).heartbeat_at
    time.sleep(0.3)
    assert Job.objects.get(pk=job.pk).heartbeat_at == finished  # nothing beats for a finished job
