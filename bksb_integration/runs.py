"""Download runs: starting them, claiming their work, recording progress.

A run has one RunLearner per learner. Whatever process works on a learner
first claims its RunLearner with a conditional update, then takes the
learner's download lease; both expire if the process dies, so a killed worker
leaves nothing stuck and the learner is simply done again. Counts on the run
row move with atomic F() updates, so any number of workers can share a run.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import requests
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bksb_integration.client import pooled_session
from bksb_integration.connection import IntegrationNotConfigured, client_for
from bksb_integration.download import (
    DownloadFailed,
    DownloadResult,
    commit_without_waiting,
    download_outcome_record,
    failure_message,
    learner_download,
)
from bksb_integration.linking import link_for
from bksb_integration.mapping import Mapper
from bksb_integration.models import BksbLink, BksbSettings, Run, RunLearner
from bksb_integration.throttle import CountingThrottle, shared_throttle
from learners.models import Learner

logger = logging.getLogger(__name__)

# Without a heartbeat for this long, a claimed learner or lease is free to take.
STALE_AFTER = dt.timedelta(minutes=2)
# A single download still queued after this long is presumed lost (no worker?).
PENDING_STALE_AFTER = dt.timedelta(minutes=10)
ACTIVE = (RunLearner.Status.PENDING, RunLearner.Status.RUNNING)


def _fresh(when: dt.datetime | None) -> bool:
    return when is not None and when > timezone.now() - STALE_AFTER


def _attachable(part: RunLearner) -> bool:
    """Is this learner's download still live (running, or queued not long ago)?"""
    if part.status == RunLearner.Status.RUNNING:
        return _fresh(part.claimed_at)
    return part.run.created_at > timezone.now() - PENDING_STALE_AFTER


def single_download_start(
    *,
    learner: Learner,
    started_by: AbstractBaseUser | None,
    trigger: str = Run.Trigger.MANUAL,
    queue: bool = True,
) -> tuple[Run, bool]:
    """Start a download of one learner's results, or attach to the one running.

    Returns (run, started). The task is queued once the run row is committed;
    with queue=False the caller processes the run's learner itself
    (run_learner_process), as the command line does.
    """
    from bksb_integration.tasks import run_learner_download

    with transaction.atomic():
        # Locking the link row serialises two clicks on the same learner.
        link_for(learner)
        BksbLink.objects.select_for_update().get(learner=learner)
        active = (
            RunLearner.objects.filter(learner=learner, run__kind=Run.Kind.SINGLE, status__in=ACTIVE)
            .select_related("run")
            .order_by("-pk")
            .first()
        )
        if active and _attachable(active):
            return active.run, False
        run = Run.objects.create(
            kind=Run.Kind.SINGLE,
            trigger=trigger,
            started_by=started_by,
            learners_total=1,
            stage="Queued",
            planned_at=timezone.now(),
        )
        part = RunLearner.objects.create(run=run, learner=learner)
        if queue:
            transaction.on_commit(lambda: run_learner_download.delay(part.pk))
    return run, True


def run_learner_claim(*, run_learner_id: int) -> RunLearner | None:
    """Claim a learner's part of a run for this process, or None if not ours to do."""
    now = timezone.now()
    claimable = Q(status=RunLearner.Status.PENDING) | Q(
        status=RunLearner.Status.RUNNING, claimed_at__lt=now - STALE_AFTER
    )
    claimed = (
        RunLearner.objects.filter(pk=run_learner_id)
        .filter(claimable)
        .update(status=RunLearner.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    part = RunLearner.objects.select_related("run", "learner__web_user__user", "learner__bksb_link").get(
        pk=run_learner_id
    )
    if part.run.status == Run.Status.QUEUED:
        Run.objects.filter(pk=part.run_id, status=Run.Status.QUEUED).update(status=Run.Status.RUNNING, started_at=now)
    return part


def lease_take(*, learner: Learner, owner: int) -> bool:
    """Take the learner's download lease (single flight across runs and workers)."""
    now = timezone.now()
    free = Q(download_lease_until__isnull=True) | Q(download_lease_until__lt=now) | Q(download_lease_owner=owner)
    lease = {"download_lease_until": now + STALE_AFTER, "download_lease_owner": owner}
    if BksbLink.objects.filter(learner=learner).filter(free).update(**lease) == 1:
        return True
    link_for(learner)  # a first download: the link row did not exist yet
    return BksbLink.objects.filter(learner=learner).filter(free).update(**lease) == 1


def lease_release(*, learner: Learner, owner: int) -> None:
    BksbLink.objects.filter(learner=learner, download_lease_owner=owner).update(
        download_lease_until=None, download_lease_owner=None
    )


def run_learner_process(*, run_learner_id: int) -> str:
    """Download one learner's results as part of a run. Returns what happened.

    Safe to call twice for the same id: the second call finds nothing to claim.
    Every request goes through the budget all workers share (throttle.py).
    """
    with transaction.atomic():
        commit_without_waiting()  # a lost claim is simply claimed again
        part = run_learner_claim(run_learner_id=run_learner_id)
        if part is None:
            return "not-claimed"
        if not lease_take(learner=part.learner, owner=part.pk):
            # Another download of this learner is running: hand the part back; the task retries.
            RunLearner.objects.filter(pk=part.pk).update(status=RunLearner.Status.PENDING, claimed_at=None)
            return "busy"
    settings = BksbSettings.load()
    counter = CountingThrottle(shared_throttle(rate=settings.requests_per_second))
    finished = False

    def on_saved(result: DownloadResult) -> None:
        # Inside the transaction that stores the results: they and the learner's
        # outcome commit together, in one commit.
        nonlocal finished
        lease_release(learner=part.learner, owner=part.pk)
        run_learner_finish(part=part, result=result, error=None)
        finished = True

    try:
        result, error = _download(part, settings, counter, on_saved)
    finally:
        if not finished:
            lease_release(learner=part.learner, owner=part.pk)
    if not finished:
        error = error or "The download did not finish."
        run_learner_finish(part=part, result=None, error=error)
    run_counts_add(part=part, result=result, error=error, requests=counter.count)
    return "succeeded" if error is None else "failed"


_local = threading.local()


def _session() -> requests.Session:
    """One pooled HTTP session per worker thread, reused across learners (keep-alive)."""
    if getattr(_local, "session", None) is None:
        _local.session = pooled_session()
    return _local.session


HEARTBEAT_EVERY = dt.timedelta(seconds=30)
MAPPER_TTL = dt.timedelta(seconds=30)


def _mapper() -> Mapper:
    """The mapping tables, read at most every 30 s per worker thread."""
    now = timezone.now()
    cached = getattr(_local, "mapper", None)
    if cached is None or cached[0] < now - MAPPER_TTL:
        _local.mapper = cached = (now, Mapper.load())
    return cached[1]


def _download(
    part: RunLearner, settings: BksbSettings, throttle: CountingThrottle, on_saved: Callable[[DownloadResult], None]
) -> tuple[DownloadResult | None, str | None]:
    single = part.run.kind == Run.Kind.SINGLE
    last_beat = timezone.now()

    def progress(stage: str) -> None:
        # A single download shows every stage in its window; a bulk run only
        # keeps its claim and lease alive (a learner rarely takes 30 s).
        nonlocal last_beat
        now = timezone.now()
        if single:
            Run.objects.filter(pk=part.run_id).update(stage=stage[:200], heartbeat_at=now)
        elif now - last_beat < HEARTBEAT_EVERY:
            return
        last_beat = now
        RunLearner.objects.filter(pk=part.pk).update(claimed_at=now)
        BksbLink.objects.filter(learner=part.learner, download_lease_owner=part.pk).update(
            download_lease_until=now + STALE_AFTER
        )

    try:
        client = client_for(settings, throttle=throttle, session=_session())
    except IntegrationNotConfigured as exc:
        download_outcome_record(learner=part.learner, outcome="failed", message=str(exc))
        return None, str(exc)
    try:
        result = learner_download(
            learner=part.learner, client=client, progress=progress, mapper=_mapper(), on_saved=on_saved
        )
        return result, None
    except DownloadFailed as exc:
        return None, str(exc)
    except Exception as exc:  # one learner's fault must never stop the others
        logger.exception("download of learner %s failed", part.learner_id)
        return None, failure_message(exc)


def run_learner_finish(*, part: RunLearner, result: DownloadResult | None, error: str | None) -> None:
    """Record a learner's outcome on its part of the run."""
    counts = result.counts if result else None
    RunLearner.objects.filter(pk=part.pk).update(
        status=RunLearner.Status.FAILED if error else RunLearner.Status.SUCCEEDED,
        finished_at=timezone.now(),
        error=(error or "")[:500],
        results_created=counts.created if counts else 0,
        results_updated=counts.updated if counts else 0,
        results_unchanged=counts.unchanged if counts else 0,
    )


def run_counts_add(*, part: RunLearner, result: DownloadResult | None, error: str | None, requests: int) -> None:
    """Add a finished learner to the run's counts, then close the run if it was the last.

    Every worker updates this one row, so it is a single statement of its own
    (the row is locked for microseconds, not for a whole transaction). If a
    worker dies just before it, the sweeper's run_reconcile recounts the run.
    """
    counts = result.counts if result else None
    Run.objects.filter(pk=part.run_id).update(
        learners_done=F("learners_done") + 1,
        learners_failed=F("learners_failed") + (1 if error else 0),
        results_created=F("results_created") + (counts.created if counts else 0),
        results_updated=F("results_updated") + (counts.updated if counts else 0),
        results_unchanged=F("results_unchanged") + (counts.unchanged if counts else 0),
        requests_made=F("requests_made") + requests,
        heartbeat_at=timezone.now(),
        message=(error or "")[:500] if part.run.kind == Run.Kind.SINGLE else F("message"),
    )
    run_close_if_done(run_id=part.run_id)


def run_reconcile(*, run_id: int) -> None:
    """Set a run's learner and result counts from its learners' rows, then close it if done."""
    finished = (RunLearner.Status.SUCCEEDED, RunLearner.Status.FAILED)
    totals = RunLearner.objects.filter(run_id=run_id).aggregate(
        done=Count("pk", filter=Q(status__in=finished)),
        failed=Count("pk", filter=Q(status=RunLearner.Status.FAILED)),
        created=Coalesce(Sum("results_created"), 0),
        updated=Coalesce(Sum("results_updated"), 0),
        unchanged=Coalesce(Sum("results_unchanged"), 0),
    )
    Run.objects.filter(pk=run_id, finished_at__isnull=True).update(
        learners_done=totals["done"],
        learners_failed=totals["failed"],
        results_created=totals["created"],
        results_updated=totals["updated"],
        results_unchanged=totals["unchanged"],
    )
    run_close_if_done(run_id=run_id)


def run_close_if_done(*, run_id: int) -> bool:
    """Mark the run finished once every learner is done (exactly one caller wins)."""
    now = timezone.now()
    done = Run.objects.filter(
        pk=run_id, finished_at__isnull=True, planned_at__isnull=False, learners_done__gte=F("learners_total")
    )
    run = done.first()
    if run is None:
        return False
    if run.learners_failed == 0:
        status = Run.Status.SUCCEEDED
    elif run.learners_failed >= run.learners_total:
        status = Run.Status.FAILED
    else:
        status = Run.Status.PARTIAL
    stage = "Finished" if status == Run.Status.SUCCEEDED else "Finished with failures"
    return done.update(status=status, finished_at=now, stage=stage) == 1
