"""Keeping a download's claim and lease alive, and showing its progress.

A worker renews its claim on a learner (and the learner's download lease)
while it works, so that the sweeper never hands a live download to a second
worker; a BKSB Results run also shows every step in its window, as numbers
on the run row. Waits (for the shared budget, a Retry-After, a backoff) go
through Keepalive.sleep, which naps and renews.
"""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from bksb_integration.models import BksbLink, Run, RunLearner
from bksb_integration.sync.progress import STALE_AFTER

# A Get Results learner renews its claim and lease this often while it downloads.
HEARTBEAT_EVERY = dt.timedelta(seconds=30)
# A worker waiting renews its claims at least this often.
NAP_SECONDS = 10.0


class Heartbeat:
    """Keeps a learner's claim and lease alive while it downloads.

    A BKSB Results run also shows every step in its window (stage, list,
    page of pages, as numbers on the run row); a Get Results learner only
    renews its claim every HEARTBEAT_EVERY (one rarely takes that long).
    """

    def __init__(self, part: RunLearner, token: int) -> None:
        self.part, self.token = part, token
        self.shown = part.run.kind == Run.Kind.SINGLE
        self.beat = timezone.now()

    def stage(self, stage: str) -> None:
        self._report(stage=stage)

    def page(self, kind: str, page: int, pages: int) -> None:
        self._report(stage=Run.Stage.READING, progress_list=kind, progress_page=page, progress_pages=max(pages, 1))

    def keep_alive(self) -> None:
        """Renew the claim and lease if due (called while waiting, too)."""
        self._report()

    def _report(self, **shown: object) -> None:
        now = timezone.now()
        if self.shown:
            Run.objects.filter(pk=self.part.run_id).update(heartbeat_at=now, **shown)
        elif now - self.beat < HEARTBEAT_EVERY:
            return
        else:
            Run.objects.filter(pk=self.part.run_id).update(heartbeat_at=now)
        self.beat = now
        RunLearner.objects.filter(pk=self.part.pk, claim_token=self.token).update(claimed_at=now)
        BksbLink.objects.filter(learner_id=self.part.learner_id, download_lease_owner=self.token).update(
            download_lease_until=now + STALE_AFTER
        )


class Keepalive:
    """The sleep a chunk's client and budget wait with: in naps, renewing the current learner's claim.

    Waits can be long (a Retry-After, a shared pause after a 429: up to five
    minutes), far longer than a claim stays fresh; without this, the sweeper
    would hand a waiting learner to a second worker.
    """

    def __init__(self) -> None:
        self.current: Heartbeat | None = None

    def sleep(self, seconds: float) -> None:
        left = seconds
        while left > 0:
            now = min(left, NAP_SECONDS)
            nap(now)
            left -= now
            if self.current is not None:
                self.current.keep_alive()


def nap(seconds: float) -> None:
    time.sleep(seconds)
