"""Starting, claiming, advancing and ending jobs. Every write of a running job names its claim.

A job is claimed with a conditional update (queued, or running with a stale
heartbeat: the one lease of jobs.lease); the claim's token then guards every
progress write, so a worker presumed dead and replaced stops at its next write
instead of racing the new one. Items are claimed one at a time the same way, and
an item taken again after its worker died says so (attempts > 1), so its kind can
settle what the dead worker may have begun. While a runner works, a thread beats
for it (jobs.lease.Heartbeat), so silence means a dead process; jobs_sweep,
run by beat every minute, queues every such job: recovery needs nobody to click.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterator, Mapping, Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs import queue
from jobs.kinds import JobFailed, JobRefused, job_kind
from jobs.lease import Heartbeat, rows_claim, stale_before
from jobs.models import Job, JobItem, JobTotal

logger = logging.getLogger(__name__)

Status = Job.Status
UNEXPECTED = "An unexpected error stopped this job (it is logged). What it finished is kept: Try again carries on."


class JobLost(Exception):
    """This worker's claim was taken over (it was presumed dead): stop without writing."""


def job_start(
    *, kind: str, started_by: User | None, params: dict[str, object], total: int = 0, items: Sequence[JobItem] = ()
) -> Job:
    """Record a job (and its items) and queue it once the transaction commits."""
    job_kind(kind)  # a kind nobody registered is a programming error: fail here, not on the worker
    with transaction.atomic():
        job = Job.objects.create(kind=kind, started_by=started_by, params=params, total=total, stage="Queued")
        for position, item in enumerate(items):
            item.job, item.position = job, position
        JobItem.objects.bulk_create(items, batch_size=1000)
        transaction.on_commit(lambda: queue.job_run_queue(job.pk))
    return job


def job_resume(*, job_id: int) -> bool:
    """Queue a job again that failed or stopped moving; False when it is finished or moving."""
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Job.objects.filter(pk=job_id)
            .filter(Q(status=Status.FAILED) | _stalled(now))
            .update(status=Status.QUEUED, claim_token=None, finished_at=None, message="", heartbeat_at=now)
        )
        if updated == 1:
            transaction.on_commit(lambda: queue.job_run_queue(job_id))
    return updated == 1


def jobs_sweep() -> int:
    """Queue again every job that stopped moving (its worker killed, its message lost); how many.

    Run by beat every minute. The claim makes a second message harmless: whichever
    worker takes the job first carries on after the last item it finished.
    """
    stalled = list(Job.objects.filter(_stalled(timezone.now())).values_list("pk", flat=True))
    for job_id in stalled:
        queue.job_run_queue(job_id)
    if stalled:
        logger.warning("jobs sweep: queued again %s job(s) whose worker went silent: %s", len(stalled), stalled)
    return len(stalled)


def _stalled(now: dt.datetime) -> Q:
    """Jobs not finished whose last sign of life (heartbeat, else creation) is older than the lease."""
    silent = Q(heartbeat_at__lt=stale_before(now)) | Q(heartbeat_at__isnull=True, created_at__lt=stale_before(now))
    return Q(status__in=(Status.QUEUED, Status.RUNNING)) & silent


def job_run(*, job_id: int) -> str:
    """Claim the job and run its kind's runner; the job's status says how it ended. Safe to repeat."""
    job = _claim(job_id)
    if job is None:
        return "not claimed"
    kind = job_kind(job.kind)
    try:
        with Heartbeat(lambda: _beat(job)):
            end = kind.run(job)
    except JobLost:
        logger.warning("job %s: claim lost to another worker; stopping", job_id)
        return "lost"
    except JobFailed as exc:
        _finish(job, Status.FAILED, str(exc))
        return Status.FAILED
    except JobRefused as exc:
        _finish(job, Status.REFUSED, str(exc))
        return Status.REFUSED
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job, Status.FAILED, UNEXPECTED)
        return Status.FAILED
    status = Status.PARTIAL if end.partial else Status.SUCCEEDED
    _finish(job, status, end.message)
    return status


def _beat(job: Job) -> int:
    return Job.objects.filter(pk=job.pk, claim_token=job.claim_token).update(heartbeat_at=timezone.now())


def _claim(job_id: int) -> Job | None:
    now, token = timezone.now(), secrets.randbits(62)
    with transaction.atomic():
        claimed = rows_claim(
            Job.objects.filter(pk=job_id),
            free=Q(status=Status.QUEUED),
            held=Q(status=Status.RUNNING),
            beat="heartbeat_at",
            now=now,
            status=Status.RUNNING,
            claim_token=token,
            attempts=F("attempts") + 1,
            message="",
        )
        if claimed != 1:
            return None
        Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
        # Items the previous claimant was working on when it died go back in the queue.
        JobItem.objects.filter(job_id=job_id, outcome=JobItem.RUNNING).update(outcome=JobItem.PENDING)
    return Job.objects.get(pk=job_id)


def _finish(job: Job, status: str, message: str) -> None:
    Job.objects.filter(pk=job.pk, claim_token=job.claim_token).update(
        status=status, message=message[:500], finished_at=timezone.now(), heartbeat_at=timezone.now(), stage=""
    )


def job_progress(
    job: Job,
    *,
    stage: str | None = None,
    total: int | None = None,
    done: int = 0,
    failed: int = 0,
    add: Mapping[str, int] | None = None,
    mark: Mapping[str, int] | None = None,
) -> None:
    """Move the job on: add to done and failed, set the stage or total; add to the kind's named totals
    (`add`, e.g. rows created) or set them (`mark`, e.g. the last line written). Raises JobLost.

    Call it inside the transaction that writes the work it counts, so the count and
    the work commit together (a resumed job then carries on exactly where it stopped).
    """
    changes: dict[str, object] = {"heartbeat_at": timezone.now()}
    if stage is not None:
        changes["stage"] = job.stage = stage
    if total is not None:
        changes["total"] = job.total = total
    if done:
        changes["done"] = F("done") + done
    if failed:
        changes["failed"] = F("failed") + failed
    with transaction.atomic():
        if Job.objects.filter(pk=job.pk, claim_token=job.claim_token).update(**changes) != 1:
            raise JobLost(job.pk)
        _totals_write(job, add or {}, mark or {})


def _totals_write(job: Job, add: Mapping[str, int], mark: Mapping[str, int]) -> None:
    names = [*add, *mark]
    if not names:
        return
    # Every name gets its row once; then each moves with one atomic update (F() for additions).
    JobTotal.objects.bulk_create([JobTotal(job=job, name=name) for name in names], ignore_conflicts=True)
    for name, value in add.items():
        if value:
            JobTotal.objects.filter(job=job, name=name).update(value=F("value") + value)
    for name, value in mark.items():
        JobTotal.objects.filter(job=job, name=name).update(value=value)


def job_items_pending(job: Job) -> Iterator[JobItem]:
    """The job's items not yet done, in order, each claimed before it is handed out.

    An item with attempts > 1 was handed to a worker before, which died with it:
    what that worker may have begun (a bksb call sent, no answer stored) is the kind's to settle.
    """
    pending = JobItem.objects.filter(job=job, outcome=JobItem.PENDING).order_by("position")
    for item_id in list(pending.values_list("pk", flat=True)):
        claimed = rows_claim(
            JobItem.objects.filter(pk=item_id),
            free=Q(outcome=JobItem.PENDING),
            beat="claimed_at",
            now=timezone.now(),
            outcome=JobItem.RUNNING,
            attempts=F("attempts") + 1,
        )
        if claimed == 1:
            yield JobItem.objects.get(pk=item_id)


def job_item_finish(job: Job, item: JobItem, *, outcome: str, ok: bool, message: str, detail: str = "") -> None:
    """Record an item's outcome and count it, in one transaction. Raises JobLost."""
    item.outcome, item.ok, item.message, item.detail = outcome, ok, message[:1000], detail[:200]
    item.finished_at = timezone.now()
    with transaction.atomic():
        item.save(update_fields=["outcome", "ok", "message", "detail", "finished_at"])
        job_progress(job, done=1, failed=0 if ok else 1)
