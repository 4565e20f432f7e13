"""How a download run reads to staff: who started it, how long it took, time left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bksb_integration.accounts.eligibility import SKIP_REASONS
from bksb_integration.models import Run
from bksb_integration.sync.estimate import run_estimate
from learners.models import Learner


def started_by_label(run: Run) -> str:
    if run.trigger == Run.Trigger.SCHEDULED:
        return "Schedule"
    if run.trigger == Run.Trigger.COMMAND and run.started_by is None:
        return "Command line"
    if run.started_by is None:
        return "A deleted user"
    return run.started_by.get_username()


def duration_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def run_duration(run: Run, now: dt.datetime) -> dt.timedelta:
    """From the click (or schedule) to the end, or to now while it runs."""
    return (run.finished_at or now) - run.created_at


def time_left_text(run: Run, now: dt.datetime, *, rate: float, first_downloads: int | None = None) -> str:
    """“about 12 min left (about 7,200 requests to bksb at 10 a second)”; blank once finished or paused."""
    estimate = run_estimate(run, rate=rate, now=now, first_downloads=first_downloads)
    return estimate.text if estimate is not None else ""


def learners_text(run: Run) -> str:
    """“10 of 10 learners finished: 9 downloaded, 1 failed”: the parts add up to the whole.

    A stopped run adds the learners it did not try: “7 of 10 … , 3 not tried”.

    A run's learners_done counts every finished learner, failed ones included.
    """
    finished, failed, unmatched = run.learners_done, run.learners_failed, run.learners_unmatched
    noun = "learner" if run.learners_total == 1 else "learners"
    downloaded = finished - failed - unmatched
    text = f"{finished} of {run.learners_total} {noun} finished: {downloaded} downloaded, {failed} failed"
    # Learners whose bksb user bksb merged away, to match again (the unmatched report): not failures.
    text += f", {unmatched} unmatched" if unmatched else ""
    # A stopped run's learners it never reached: the parts still add up.
    return text + (f", {run.learners_not_tried} not tried" if run.learners_not_tried else "")


def skipped_reasons(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(SKIP_REASONS.get(reason, reason), n) for reason, n in counts.items() if n]


@dataclass(frozen=True)
class RunRow:
    """One line of the run history."""

    run: Run
    started_by: str
    duration: str
    learners: str
    learner: Learner | None = None

    time_left: str = ""

    @classmethod
    def of(
        cls, run: Run, now: dt.datetime, learner: Learner | None = None, *, rate: float = 0, first_downloads: int = 0
    ) -> RunRow:
        duration = duration_text(run_duration(run, now).total_seconds())
        left = time_left_text(run, now, rate=rate, first_downloads=first_downloads) if rate else ""
        return cls(run, started_by_label(run), duration, learners_text(run), learner, left)

    @property
    def downloaded(self) -> int:
        return self.run.learners_done - self.run.learners_failed - self.run.learners_unmatched
