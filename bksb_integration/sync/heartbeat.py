"""Keeping a chunk's claims and leases alive, and showing a BKSB Results run's progress.

A worker claims a chunk of a run's learners at once. Until it has finished
each of them, it renews their claims and download leases at least every
HEARTBEAT_EVERY (the one lease's beat, well inside STALE_AFTER), and the run's heartbeat with them,
so the sweeper never hands a learner the worker still holds to a second
worker, and never recounts a run a live worker is still counting. Waits (for
the shared budget, a Retry-After, a backoff) go through Heartbeat.sleep,
which naps and renews. A BKSB Results run also shows every step in its
window, as numbers on the run row.
"""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from bksb_integration.models import BksbLink, Run, RunLearner
from jobs.lease import HEARTBEAT_EVERY, STALE_AFTER

# A worker waiting renews them at least this often.
NAP_SECONDS = 10.0


class Heartbeat:
    """The claims of one chunk of learners, kept alive until each is finished."""

    def __init__(self, *, run: Run, token: int, parts: list[RunLearner], claimed_at: dt.datetime) -> None:
        self.run_id, self.token = run.pk, token
        self.shown = run.kind == Run.Kind.BKSB_RESULTS
        self.holding = {part.pk: part.learner_id for part in parts}
        self.beat = claimed_at

    def finished(self, part: RunLearner) -> None:
        """This learner is done (or handed back): its claim is no longer renewed."""
        self.holding.pop(part.pk, None)

    def stage(self, stage: str) -> None:
        self._show(stage=stage)

    def page(self, kind: str, page: int, pages: int) -> None:
        self._show(stage=Run.Stage.READING, progress_list=kind, progress_page=page, progress_pages=max(pages, 1))

    def keep_alive(self) -> None:
        """Renew the chunk's claims, leases and the run's heartbeat, if due."""
        now = timezone.now()
        if now - self.beat < HEARTBEAT_EVERY:
            return
        self.beat = now
        Run.objects.filter(pk=self.run_id).update(heartbeat_at=now)
        RunLearner.objects.filter(pk__in=list(self.holding), claim_token=self.token).update(claimed_at=now)
        BksbLink.objects.filter(learner_id__in=list(self.holding.values()), download_lease_owner=self.token).update(
            download_lease_until=now + STALE_AFTER
        )

    def sleep(self, seconds: float) -> None:
        """The sleep the chunk's client and budget wait with: in naps, renewing as it goes."""
        left = seconds
        while left > 0:
            now = min(left, NAP_SECONDS)
            nap(now)
            left -= now
            self.keep_alive()

    def _show(self, **progress: object) -> None:
        if self.shown:
            Run.objects.filter(pk=self.run_id).update(heartbeat_at=timezone.now(), **progress)
        self.keep_alive()


def nap(seconds: float) -> None:
    time.sleep(seconds)
