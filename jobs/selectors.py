"""Reading jobs: is this one stalled, and the one a user asks for, if they may see it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from jobs.kinds import job_kind
from jobs.lease import claim_is_fresh, no_worker, worker_lost
from jobs.models import Job
from permissions.access import AnyUser, is_caseload_restricted

NO_WORKER = no_worker(noun="job")


def job_stall(job: Job, *, now: dt.datetime | None = None) -> str:
    """Why a job that is not finished has stopped moving, or '' while it moves (or is finished).

    The one lease's rule (jobs.lease): silent for STALE_AFTER. The sweeper takes up exactly these jobs.
    """
    if job.is_finished or claim_is_fresh(job.heartbeat_at or job.created_at, now):
        return ""
    if job.status == Job.Status.QUEUED:
        return NO_WORKER
    try:
        unit = job_kind(job.kind).unit.removesuffix("s")
    except KeyError:
        unit = "item"
    return worker_lost(noun="job", unit=unit)


def job_for_user(*, user: AnyUser, job_id: int) -> Job:
    """The job, if this user may run jobs of its kind (and so see them); 404 or 403 otherwise."""
    job = get_object_or_404(Job.objects.select_related("started_by"), pk=job_id)
    try:
        kind = job_kind(job.kind)
    except KeyError:
        raise PermissionDenied from None
    if not kind.may_run(user):
        raise PermissionDenied
    if is_caseload_restricted(user) and job.started_by_id != user.pk:
        raise Http404("No such job.")  # another's job names records outside a caseload (learners.caseload)
    return job


def job_unfinished(*, kind: str, started_by: AnyUser) -> Job | None:
    """This person's job of this kind that is queued or running, if any (one at a time each: see its kind)."""
    if not getattr(started_by, "pk", None):
        return None
    unfinished = (Job.Status.QUEUED, Job.Status.RUNNING)
    return Job.objects.filter(kind=kind, started_by_id=started_by.pk, status__in=unfinished).order_by("pk").first()
