"""Keeping a chunk's claims and leases alive with the one heartbeat, and showing a BKSB Results run's progress.

A worker claims a chunk of a run's learners at once. While it downloads them,
the jobs engine's heartbeat (jobs.lease.Heartbeat, the one every job beats
with) calls ChunkHeartbeat.beat every HEARTBEAT_EVERY: it renews the claims
and download leases of the learners not yet finished, and the run's heartbeat
with them, so the sweeper never hands a learner the worker still holds to a
second worker, and never recounts a run a live worker is still counting. It
beats from its thread through a slow step, and through waits (for the shared
budget, a Retry-After, a backoff), which go through ChunkHeartbeat.sleep. A
BKSB Results run also shows every step in its window, as numbers on the run row.
"""

from __future__ import annotations

import threading

from django.utils import timezone

from bksb_integration.models import BksbLink, Run, RunLearner
from jobs.lease import STALE_AFTER, Heartbeat


class ChunkHeartbeat:
    """The claims of one chunk of learners, kept alive until each is finished, and its run's progress.

    Use it as the block the chunk is downloaded in (`with ChunkHeartbeat(...) as chunk:`).
    """

    def __init__(self, *, run: Run, token: int, parts: list[RunLearner]) -> None:
        self.run_id, self.token = run.pk, token
        self.shown = run.kind == Run.Kind.BKSB_RESULTS
        self.holding = {part.pk: part.learner_id for part in parts}
        self._lock = threading.Lock()  # the heartbeat's thread reads what this one finishes
        self._heartbeat = Heartbeat(self.beat)

    def __enter__(self) -> ChunkHeartbeat:
        self._heartbeat.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._heartbeat.__exit__(*exc)

    def sleep(self, seconds: float) -> None:
        """The sleep the chunk's client and budget wait with: the heartbeat beats as it goes."""
        self._heartbeat.sleep(seconds)

    def finished(self, part: RunLearner) -> None:
        """This learner is done (or handed back): its claim is no longer renewed."""
        with self._lock:
            self.holding.pop(part.pk, None)

    def beat(self) -> int:
        """Renew the run's heartbeat and the claims and leases still held; how many claims are still this
        chunk's (none: the heartbeat stops)."""
        with self._lock:
            holding = dict(self.holding)
        if not holding:
            return 0
        now = timezone.now()
        Run.objects.filter(pk=self.run_id).update(heartbeat_at=now)
        kept = RunLearner.objects.filter(pk__in=list(holding), claim_token=self.token).update(claimed_at=now)
        BksbLink.objects.filter(learner_id__in=list(holding.values()), download_lease_owner=self.token).update(
            download_lease_until=now + STALE_AFTER
        )
        return kept

    def stage(self, stage: str) -> None:
        self._show(stage=stage)

    def page(self, kind: str, page: int, pages: int) -> None:
        self._show(stage=Run.Stage.READING, progress_list=kind, progress_page=page, progress_pages=max(pages, 1))

    def _show(self, **progress: object) -> None:
        if self.shown:
            Run.objects.filter(pk=self.run_id).update(heartbeat_at=timezone.now(), **progress)
