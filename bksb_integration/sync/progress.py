"""How far a run has got, and whether it has stopped moving: read from the numbers on its rows.

Every caller that asks "is this run stalled?" (the BKSB Results window, the
Get Results panel, starting a run, the sweeper) asks run_stall; the windows
word a run's progress with run_progress. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bksb_integration.models import Run, RunLearner
from jobs.lease import claim_is_fresh, no_worker, stale_before, worker_lost

# A Get Results run with no heartbeat for this long is given up: a new start replaces it.
GET_RESULTS_REPLACE_AFTER = dt.timedelta(minutes=15)
ACTIVE = (RunLearner.Status.PENDING, RunLearner.Status.RUNNING)

LIST_LABELS = {"initial": "Initial assessments", "diagnostic": "Diagnostic results"}

# The one stall wording (jobs.lease), for a learner's download and for a run of many.
WORKER_LOST = worker_lost(noun="download", unit="learner")
NO_WORKER = no_worker(noun="download")
RUN_QUIET = worker_lost(noun="run", unit="learner")


@dataclass(frozen=True)
class Stall:
    """Why a run that is not finished has stopped moving, and whether a new start may replace it."""

    reason: str
    replaceable: bool


def run_stall(run: Run, *, part: RunLearner | None = None, now: dt.datetime | None = None) -> Stall | None:
    """None while the run is finished or moving; else why it has stalled.

    A BKSB Results run is judged by its one learner (pass `part` when already
    read); a Get Results run by its heartbeat, which every finished chunk of
    learners moves.
    """
    if run.is_finished or run.is_paused:
        return None  # a paused run is waiting on purpose: its window says so
    now = now or timezone.now()
    if run.kind == Run.Kind.BKSB_RESULTS:
        part = part or run.learners.first()
        if part is None:
            return None
        if part.status == RunLearner.Status.RUNNING and not claim_is_fresh(part.claimed_at, now):
            return Stall(WORKER_LOST, replaceable=True)
        if part.status == RunLearner.Status.PENDING and not claim_is_fresh(run.created_at, now):
            return Stall(NO_WORKER, replaceable=True)
        return None
    beat = run.heartbeat_at or run.created_at
    if beat < stale_before(now):
        return Stall(RUN_QUIET, replaceable=beat < now - GET_RESULTS_REPLACE_AFTER)
    return None


@dataclass(frozen=True)
class RunProgress:
    """What the window says: the stage in words, and the share done (None = not known yet)."""

    label: str
    percent: int | None


def run_progress(run: Run) -> RunProgress:
    """The window's words and bar, from the stage, list, page and learner numbers on the run."""
    if run.status == Run.Status.STOPPED:
        return RunProgress(run.message or "Stopped", _learners_percent(run))
    if run.is_finished:
        label = "Finished" if run.status == Run.Status.SUCCEEDED else "Finished with failures"
        return RunProgress(label, 100)
    if run.is_paused and run.paused_until is not None:
        when = timezone.localtime(run.paused_until)
        label = f"Paused: bksb is not answering. Asking again at {when:%H:%M:%S}; the run resumes when it does."
        return RunProgress(label, _learners_percent(run))
    if run.kind != Run.Kind.BKSB_RESULTS:
        return RunProgress(Run.Stage(run.stage).label, _learners_percent(run))
    if run.stage == Run.Stage.READING and run.progress_list in LIST_LABELS:
        pages = max(run.progress_pages, 1)
        page = min(run.progress_page, pages)
        label = f"{LIST_LABELS[run.progress_list]} page {page} of {pages}"
        # The initial list fills 10-50% of the bar, the diagnostic list 50-90%.
        base = 10 if run.progress_list == "initial" else 50
        return RunProgress(label, base + round(40 * page / pages))
    percent = {Run.Stage.RESOLVING: 5, Run.Stage.SAVING: 95}.get(Run.Stage(run.stage))
    return RunProgress(Run.Stage(run.stage).label, percent)


def _learners_percent(run: Run) -> int | None:
    """None while the learners are still being counted (an indeterminate bar)."""
    if run.planned_at is None and run.learners_done == 0:
        return None
    if not run.learners_total:
        return None
    return min(100, run.learners_done * 100 // run.learners_total)
