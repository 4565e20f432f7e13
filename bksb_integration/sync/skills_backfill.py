"""The skills backfill: reading the skills (EOA) reports downloads leave for later, with what the budget leaves.

A download reads only the skills reports that matter now (sessions.py: the latest
finished session of each subject and type, and the first initial assessment). The
other finished sessions are read here, newest first, by a Skills backfill run, which
yields to every other run: it starts only while no other run is live, and steps
aside, between two requests, as soon as one is. What it leaves, the next pass takes
(beat starts one every few minutes; `bksb_skills_backfill` from the command line).

Each report is stored in its own short transaction, so a backfill that stops
(a yield, bksb not answering, a killed worker) loses nothing it read.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bksb_integration.api.client import BksbClient, pooled_session
from bksb_integration.api.errors import BksbError, BksbPermanentError, BksbSessionNotFound, BksbUserNotFound
from bksb_integration.api.types import Priority
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.config.mapping import Mapper
from bksb_integration.models import AssessmentSession, BksbSettings, Run
from bksb_integration.sync import queue
from bksb_integration.sync.budget import CountingThrottle, shared_throttle
from bksb_integration.sync.sessions_store import skills_upsert
from jobs.lease import STALE_AFTER

logger = logging.getLogger(__name__)

BATCH = 200
YIELDED = "Stepped aside for another run; the next pass carries on."


def skills_waiting() -> QuerySet[AssessmentSession]:
    """Finished sessions whose skills report is still to come."""
    return AssessmentSession.objects.filter(completed_at__isnull=False, skills_read_at__isnull=True)


def other_run_live(*, now: dt.datetime | None = None) -> bool:
    """Is any other run (a download, Get Results, the watch list) queued or running? A crashed one stops counting."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    live = Q(heartbeat_at__gte=cutoff) | Q(heartbeat_at__isnull=True, created_at__gte=cutoff)
    return Run.objects.filter(live, finished_at__isnull=True).exclude(kind=Run.Kind.SKILLS_BACKFILL).exists()


def skills_backfill_start(*, trigger: str = Run.Trigger.SCHEDULED, queued: bool = True) -> Run | None:
    """Start a Skills backfill run when there is something to read and nothing else runs; else None.

    Queued on the workers, unless `queued` is False (the command runs it itself).
    """
    now = timezone.now()
    if other_run_live(now=now) or not skills_waiting().exists():
        return None
    with transaction.atomic():
        # One backfill at a time; one whose worker died (no heartbeat) is closed first.
        backfills = Run.objects.select_for_update().filter(kind=Run.Kind.SKILLS_BACKFILL, finished_at__isnull=True)
        for run in backfills:
            if (run.heartbeat_at or run.created_at) >= now - STALE_AFTER:
                return None
            _close(run, status=Run.Status.STOPPED, message="The worker stopped; the next pass carries on.")
        run = Run.objects.create(
            kind=Run.Kind.SKILLS_BACKFILL,
            trigger=trigger,
            planned_at=now,
            heartbeat_at=now,
            selection_label="Skills reports still to come",
        )
        if queued:
            transaction.on_commit(lambda: queue.skills_backfill_queue(run.pk))
    return run


@dataclass
class _Tally:
    reports: int = 0
    skills: int = 0
    unreadable: int = 0


def skills_backfill_run(*, run_id: int, client: BksbClient | None = None, limit: int | None = None) -> str:
    """Read skills reports still to come until none is left, another run goes live, or `limit` is read."""
    now = timezone.now()
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED, finished_at__isnull=True).update(
        status=Run.Status.RUNNING, started_at=now, heartbeat_at=now, stage=Run.Stage.DOWNLOADING
    )
    if claimed != 1:
        return "not-claimed"
    run = Run.objects.get(pk=run_id)
    settings = BksbSettings.load()
    counter = CountingThrottle(
        shared_throttle(rate=settings.requests_per_second), priority=Priority.BACKFILL, label="backfill"
    )
    tally = _Tally()
    try:
        if client is None:
            with bksb_client(settings, throttle=counter, session=pooled_session()) as own:
                message = _read_all(run, own, tally, limit)
        else:
            message = _read_all(run, client, tally, limit)
        status = Run.Status.SUCCEEDED
    except BksbNotReady as exc:
        message, status = str(exc), Run.Status.FAILED
    except BksbError as exc:
        # bksb not answering, or the key refused: stop; the next pass tries again.
        message, status = f"Stopped: {exc.message}", Run.Status.STOPPED
    run.eoa_requests, run.skills_stored, run.requests_made = tally.reports, tally.skills, counter.count
    _close(run, status=status, message=message)
    return status


def _read_all(run: Run, client: BksbClient, tally: _Tally, limit: int | None) -> str:
    mapper = Mapper.load()
    skipped: set[int] = set()  # answered wrongly this pass: left for the next
    while limit is None or tally.reports < limit:
        if other_run_live():
            return YIELDED
        batch = list(
            skills_waiting()
            .exclude(pk__in=skipped)
            .order_by("-completed_at", "-pk")
            .values_list("pk", "bksb_user_id", "session_id")[:BATCH]
        )
        if not batch:
            return _done_message(tally)
        for pk, bksb_user_id, session_id in batch:
            if limit is not None and tally.reports >= limit:
                break
            if tally.reports and tally.reports % 20 == 0:
                Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now(), eoa_requests=tally.reports)
                if other_run_live():
                    return YIELDED
            tally.reports += 1
            try:
                items = client.eoa_report_v5(bksb_user_id, session_id)
            except (BksbSessionNotFound, BksbUserNotFound):
                items = []  # bksb has no report for it (or no such user now): nothing to ask for again
            except BksbPermanentError as exc:
                logger.warning("skills of session %s not read: %s", session_id, exc)
                skipped.add(pk)
                tally.unreadable += 1
                continue
            with transaction.atomic():
                tally.skills += skills_upsert(
                    bksb_user_id=bksb_user_id, reports={session_id: items}, mapper=mapper, now=timezone.now()
                )
    return _done_message(tally)


def session_skills_read(*, session: AssessmentSession, client: BksbClient) -> int:
    """Read one finished session's skills report now (staff opened it on the BKSB tab): the rows stored.

    Raises BksbError when bksb cannot give it; the backfill reads it later then.
    """
    if session.completed_at is None or session.skills_read_at is not None:
        return 0
    try:
        items = client.eoa_report_v5(session.bksb_user_id, session.session_id)
    except (BksbSessionNotFound, BksbUserNotFound):
        items = []
    with transaction.atomic():
        return skills_upsert(
            bksb_user_id=session.bksb_user_id,
            reports={session.session_id: items},
            mapper=Mapper.load(),
            now=timezone.now(),
        )


def _done_message(tally: _Tally) -> str:
    left = skills_waiting().count()
    unreadable = ""
    if tally.unreadable:
        unreadable = f" {tally.unreadable} could not be read (bksb answered something unexpected)."
    return f"{tally.reports} skills reports read, {left} still to come.{unreadable}"


def _close(run: Run, *, status: str, message: str) -> None:
    run.status, run.stage, run.message = status, Run.Stage.FINISHED, message[:500]
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "status",
            "stage",
            "message",
            "finished_at",
            "eoa_requests",
            "skills_stored",
            "requests_made",
        ]
    )
