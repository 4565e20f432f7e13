"""The job machinery: one claimant at a time, a lost claim stops its worker, and what may be resumed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jobs import services
from jobs.kinds import JobEnd, JobFailed, JobKind, job_kind_register
from jobs.lease import worker_lost
from jobs.models import Job, JobItem
from jobs.selectors import NO_WORKER, job_stall
from jobs.services import JobLost, job_progress, job_resume, job_run, job_start

pytestmark = pytest.mark.django_db

seen: list[int] = []


def _count_items(job: Job) -> JobEnd:
    for item in services.job_items_pending(job):
        seen.append(item.position)
        if item.subject == "boom":
            raise JobFailed("It went boom.")
        services.job_item_finish(job, item, outcome="done", ok=True, message="")
    return JobEnd(f"{job.total} counted")


job_kind_register(
    JobKind(code="test_count", title="Count", unit="items", run=_count_items, may_run=lambda u: True, template="")
)


@pytest.fixture(autouse=True)
def _seen():
    seen.clear()


def _job(*subjects: str, captured) -> Job:
    with captured() as queued:
        job = job_start(
            kind="test_count",
            started_by=None,
            params={},
            total=len(subjects),
            items=[JobItem(subject=s) for s in subjects],
        )
    assert len(queued) == 1
    return job


def test_a_job_runs_its_items_once_however_often_it_is_delivered(django_capture_on_commit_callbacks):
    job = _job("a", "b", captured=django_capture_on_commit_callbacks)
    assert job_run(job_id=job.pk) == Job.Status.SUCCEEDED
    assert job_run(job_id=job.pk) == "not claimed"
    job.refresh_from_db()
    assert (job.done, job.message, seen) == (2, "2 counted", [0, 1])


def test_a_failed_job_keeps_what_it_did_and_try_again_carries_on(django_capture_on_commit_callbacks):
    job = _job("a", "boom", "c", captured=django_capture_on_commit_callbacks)
    assert job_run(job_id=job.pk) == Job.Status.FAILED
    JobItem.objects.filter(job=job, subject="boom").update(subject="fine")
    with django_capture_on_commit_callbacks(execute=True):
        assert job_resume(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, seen) == (Job.Status.SUCCEEDED, 3, [0, 1, 1, 2])


def test_a_worker_whose_claim_was_taken_over_stops_writing(django_capture_on_commit_callbacks):
    job = _job("a", captured=django_capture_on_commit_callbacks)
    claimed = services._claim(job.pk)
    assert claimed is not None
    Job.objects.filter(pk=job.pk).update(claim_token=12345)  # another worker resumed it
    with pytest.raises(JobLost):
        job_progress(claimed, done=1)
    assert Job.objects.get(pk=job.pk).done == 0


def test_only_a_failed_or_stalled_job_can_be_resumed(django_capture_on_commit_callbacks):
    job = _job("a", captured=django_capture_on_commit_callbacks)
    assert not job_resume(job_id=job.pk)  # queued just now: a worker will take it
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(created_at=long_ago, heartbeat_at=long_ago)
    job.refresh_from_db()
    assert job_stall(job) == NO_WORKER
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    job.refresh_from_db()
    assert job_stall(job) == worker_lost(noun="job", unit="item")
    assert "No item has finished for a few minutes: the job stopped reporting progress" in job_stall(job)
    assert job_resume(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    assert not job_resume(job_id=job.pk)
