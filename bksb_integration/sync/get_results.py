"""Get Results for every eligible linked learner: one run, fanned out over workers.

Starting a run is single flight (a second start shows the running one).
Planning streams the eligible learners into RunLearner rows in batches and
queues small chunks of them; any number of workers take those chunks, each
learner claimed and downloaded exactly as a BKSB Results download is
(download.py), so nothing here writes results another way.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bksb_integration.accounts.eligibility import eligible_learners, skipped_counts
from bksb_integration.models import BksbLink, BksbSettings, Run, RunLearner
from bksb_integration.sync.progress import GET_RESULTS_REPLACE_AFTER, run_stall
from bksb_integration.sync.queue import get_results_plan_queue, get_results_probe_queue, run_learners_download_queue
from bksb_integration.sync.runs import run_close_if_done, run_reconcile, run_stop
from bksb_integration.sync.selection import selection_learners
from jobs.lease import STALE_AFTER
from learners.models import Learner

logger = logging.getLogger(__name__)

PLAN_BATCH = 1000


def get_results_active() -> Run | None:
    """The Get Results run in progress, if any: not finished, and not given up as stalled."""
    cutoff = timezone.now() - GET_RESULTS_REPLACE_AFTER
    run = (
        Run.objects.filter(kind=Run.Kind.GET_RESULTS, finished_at__isnull=True, heartbeat_at__gte=cutoff)
        .order_by("-pk")
        .first()
    )
    stall = run_stall(run) if run is not None else None
    return None if stall is not None and stall.replaceable else run


def get_results_start(
    *,
    started_by: User | None,
    trigger: str,
    queue: bool = True,
    selection: Mapping[str, list[str]] | None = None,
    selection_label: str = "",
    with_sessions: bool = False,
) -> tuple[Run, bool]:
    """Start Get Results for all eligible learners, or return the run in progress.

    With `selection` (the learner list's query, see selection.py) the run is
    limited to the eligible learners it selects; it is still the one Get
    Results run at a time; `with_sessions` asks it to read their assessment
    sessions too (staff asking, as the Induction board does). Returns (run, started). With queue=True planning
    happens on a worker.
    """
    with transaction.atomic():
        # The settings row doubles as the lock that makes starting single flight.
        BksbSettings.load()
        BksbSettings.objects.select_for_update().get(pk=1)
        active = get_results_active()
        if active is not None:
            return active, False
        run = Run.objects.create(
            kind=Run.Kind.GET_RESULTS,
            trigger=trigger,
            started_by=started_by,
            stage=Run.Stage.PLANNING,
            heartbeat_at=timezone.now(),
            selection=dict(selection) if selection is not None else None,
            selection_label=selection_label[:200],
            with_sessions=with_sessions,
        )
        if queue:
            transaction.on_commit(lambda: get_results_plan_queue(run.pk))
    return run, True


def _chunks(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for learner_id in ids:
        chunk.append(learner_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def get_results_plan(*, run_id: int, enqueue: bool = True) -> int:
    """Create the run's RunLearner rows, streaming the eligible learners; queue their work.

    Idempotent: a repeat (after a crash) adds only the missing rows.
    """
    settings = BksbSettings.load()
    today = timezone.localdate()
    run = Run.objects.get(pk=run_id)
    if run.planned_at is not None:
        return run.learners_total
    selected = selection_learners(run.selection, run.started_by) if run.selection is not None else None
    ids = _planned(eligible_learners(settings=settings, today=today), selected)
    for chunk in _chunks(ids.iterator(chunk_size=PLAN_BATCH), PLAN_BATCH):
        RunLearner.objects.bulk_create(
            [RunLearner(run_id=run_id, learner_id=learner_id) for learner_id in chunk], ignore_conflicts=True
        )
        # Link rows made here in bulk spare each first download a get-or-create.
        BksbLink.objects.bulk_create([BksbLink(learner_id=learner_id) for learner_id in chunk], ignore_conflicts=True)
        total = RunLearner.objects.filter(run_id=run_id).count()
        Run.objects.filter(pk=run_id).update(learners_total=total, heartbeat_at=timezone.now())
        if enqueue:
            parts = list(
                RunLearner.objects.filter(run_id=run_id, learner_id__in=chunk, status=RunLearner.Status.PENDING)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            run_learners_download_queue(run_id, parts)
    skipped = skipped_counts(settings=settings, today=today, among=selected)
    total = RunLearner.objects.filter(run_id=run_id).count()
    Run.objects.filter(pk=run_id).update(
        learners_total=total,
        learners_skipped=sum(skipped.values()),
        skipped_reasons=skipped,
        planned_at=timezone.now(),
        # Workers may have begun on the first batches already: keep their start time.
        started_at=Coalesce("started_at", Value(timezone.now())),
        heartbeat_at=timezone.now(),
    )
    # Not over a run the first chunks already paused or stopped (bksb down, or the key refused).
    Run.objects.filter(pk=run_id, finished_at__isnull=True, paused_until__isnull=True).update(
        status=Run.Status.RUNNING, stage=Run.Stage.DOWNLOADING
    )
    stopped = Run.objects.filter(pk=run_id, status=Run.Status.STOPPED).values_list("message", flat=True).first()
    if stopped is not None:
        run_stop(run_id=run_id, reason=stopped)  # the learners planned after the stop are not tried either
    run_close_if_done(run_id=run_id)
    return total


def _planned(eligible: QuerySet[Learner], selected: QuerySet[Learner] | None) -> QuerySet[Learner, int]:
    """The ids a run downloads: every eligible learner, or those of its selection."""
    if selected is not None:
        eligible = eligible.filter(pk__in=selected.order_by().values("pk"))
    return eligible.order_by("pk").values_list("pk", flat=True)


def get_results_resume(*, run_id: int) -> bool:
    """Resume a stopped Get Results run: its learners not tried are queued again.

    Single flight as a start is; False when another run is in progress or the
    run was not stopped.
    """
    with transaction.atomic():
        BksbSettings.load()
        BksbSettings.objects.select_for_update().get(pk=1)
        if get_results_active() is not None:
            return False
        resumed = Run.objects.filter(pk=run_id, kind=Run.Kind.GET_RESULTS, status=Run.Status.STOPPED).update(
            status=Run.Status.RUNNING,
            stage=Run.Stage.DOWNLOADING,
            finished_at=None,
            message="",
            learners_not_tried=0,
            transport_failures=0,
            paused_at=None,
            paused_until=None,
            heartbeat_at=timezone.now(),
        )
        if resumed != 1:
            return False
        RunLearner.objects.filter(run_id=run_id, status=RunLearner.Status.NOT_TRIED).update(
            status=RunLearner.Status.PENDING
        )
        waiting = list(
            RunLearner.objects.filter(run_id=run_id, status=RunLearner.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: run_learners_download_queue(run_id, waiting))
    run_close_if_done(run_id=run_id)
    return True


def runs_sweep() -> int:
    """Re-queue learners of live runs whose work was lost (a killed worker, a lost message).

    Run by beat every few minutes; this is what makes an interrupted run finish.
    """
    now = timezone.now()
    requeued = 0
    fields = ("pk", "planned_at", "created_at", "heartbeat_at", "paused_until")
    # A skills backfill has no learners to re-queue: its next pass closes one whose worker died.
    live = Run.objects.filter(finished_at__isnull=True).exclude(kind=Run.Kind.SKILLS_BACKFILL)
    for run in live.only(*fields):
        if run.paused_until is not None:
            # Paused: the probe resumes it; queue another if that probe was lost.
            if run.paused_until < now - STALE_AFTER:
                get_results_probe_queue(run.pk)
            continue
        if run.planned_at is None:
            # Planning moves the heartbeat with every batch: a long plan is not planned twice.
            if (run.heartbeat_at or run.created_at) < now - STALE_AFTER:
                get_results_plan_queue(run.pk)
            continue
        running = RunLearner.objects.filter(run_id=run.pk, status=RunLearner.Status.RUNNING)
        parts = list(running.filter(claimed_at__lt=now - STALE_AFTER).values_list("pk", flat=True))
        stale = run.heartbeat_at is None or run.heartbeat_at < now - STALE_AFTER
        if stale:
            # No learner finished for a while: the queued work was lost.
            pending = RunLearner.objects.filter(run_id=run.pk, status=RunLearner.Status.PENDING)
            parts += list(pending.values_list("pk", flat=True)[:5000])
        run_learners_download_queue(run.pk, parts)
        requeued += len(parts)
        if stale:
            # A worker may have died between a learner's commit and the run's counts.
            run_reconcile(run_id=run.pk)
        else:
            run_close_if_done(run_id=run.pk)
    return requeued


def runs_prune(*, now: dt.datetime | None = None) -> int:
    """Delete finished runs older than the history setting (their rows cascade)."""
    days = BksbSettings.load().run_history_days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = Run.objects.filter(finished_at__lt=cutoff).delete()
    return deleted
