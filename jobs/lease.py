"""The one lease of all background work (jobs, and the download runs' learners): claim, heartbeat, stall.

A worker claims a row with a conditional update that succeeds only while the row
is free or its holder has been silent for STALE_AFTER (presumed dead), and keeps
it by moving a timestamp (its heartbeat) well inside that time. The same rule
answers "has this stopped moving?" for every window, and the sweeper takes up
again exactly what it says has stalled. Nothing here knows a kind of work.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

M = TypeVar("M", bound=Model)

# Without a heartbeat for this long a worker is presumed dead: its claims and leases are free to take.
# Settable (WORK_STALE_AFTER_SECONDS) so a test can kill a worker and watch recovery in seconds.
STALE_AFTER = dt.timedelta(seconds=settings.WORK_STALE_AFTER_SECONDS)
# A live worker beats this often, well inside STALE_AFTER.
HEARTBEAT_EVERY = STALE_AFTER / 4
# A worker waiting naps at most this long between beats that are due.
NAP_SECONDS = 10.0

WORKER_LOST = (
    "No {unit} has finished for a few minutes: the {noun} stopped reporting progress "
    "(its worker may have been restarted). Everything it finished is kept, "
    "and it is taken up again by itself within a few minutes."
)
NO_WORKER = "No worker has picked up this {noun} yet. Ask an administrator whether the Celery worker is running."


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """A claim or heartbeat older than this belongs to a worker presumed dead."""
    return (now or timezone.now()) - STALE_AFTER


def claim_is_fresh(claimed_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Is a claim, lease or heartbeat taken at this time still held (its holder alive)?"""
    return claimed_at is not None and claimed_at > stale_before(now)


def claimable(*, free: Q, held: Q, beat: str, now: dt.datetime | None = None) -> Q:
    """The rows a claim may take: free ones, and held ones whose holder's `beat` went stale.

    Every claim (a job, a job's item, a run's learners) filters with this before its
    conditional update, so the rule for "presumed dead" is written once.
    """
    return free | (held & Q(**{f"{beat}__lt": stale_before(now)}))


def rows_claim(
    rows: QuerySet[M], *, free: Q, beat: str, now: dt.datetime, held: Q | None = None, **claim: object
) -> int:
    """The one claim: take those of `rows` that are free (or, given `held`, held by a silent worker) in one
    conditional update that stamps `beat` with now and writes `claim` (status, token, attempts); how many taken.

    Whoever's update matched a row holds it; a second claimant matches nothing and backs off.
    """
    takeable = free if held is None else claimable(free=free, held=held, beat=beat, now=now)
    return rows.filter(takeable).update(**{beat: now}, **claim)


class Heartbeat:
    """The one heartbeat of all background work, kept for the block it guards (`with Heartbeat(beat):`).

    `beat` is one update of the holder's timestamps, guarded by its claim, returning how many rows it
    still holds. It runs every HEARTBEAT_EVERY from a thread while the block runs, so a long step
    (planning a big file, a slow bksb) never looks dead: silence then means the process died, which
    is what the sweeper looks for. A worker that waits (a Retry-After, the shared budget) waits with
    `sleep`, which beats as it goes on the clock the worker runs on. Beating stops once `beat` finds
    nothing held (another worker took it, or all is finished).
    """

    def __init__(self, beat: Callable[[], int]) -> None:
        self._beat = beat
        self._last = timezone.now()
        self._lost = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> None:
        """Beat if HEARTBEAT_EVERY has passed since the last beat (from either thread)."""
        with self._lock:
            now = timezone.now()
            if self._lost or now - self._last < HEARTBEAT_EVERY:
                return
            self._last = now
            self._lost = self._beat() == 0

    def sleep(self, seconds: float) -> None:
        """Wait, in naps of at most NAP_SECONDS, beating when due between them."""
        left = seconds
        while left > 0:
            step = min(left, NAP_SECONDS)
            nap(step)
            left -= step
            self.due()

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._keep, name="work-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _keep(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_EVERY.total_seconds()) and not self._lost:
                self.due()
        finally:
            connection.close()  # this thread's own connection


def nap(seconds: float) -> None:
    """The one real wait (tests replace it to travel in time)."""
    time.sleep(seconds)


def worker_lost(*, noun: str, unit: str) -> str:
    """The one wording of a stall: "No record has finished ... the job stopped reporting progress ..."."""
    return WORKER_LOST.format(noun=noun, unit=unit)


def no_worker(*, noun: str) -> str:
    return NO_WORKER.format(noun=noun)
