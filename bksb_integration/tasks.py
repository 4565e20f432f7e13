"""Celery tasks: thin wrappers that take ids and call one service.

All are acknowledged late, so a worker killed mid-task hands its message back
to the broker; the services they call are idempotent, so running twice is
safe. Each task keeps the name beat's stored schedules know it by (queue.py),
and is named here with a _task suffix, so a task and its service never share
a name.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from celery import Task, shared_task

from bksb_integration.config.connection import bksb_readiness
from bksb_integration.creation.intake import auto_create_start
from bksb_integration.matching.match_job import nightly_match_start
from bksb_integration.matching.probes import probes_prune
from bksb_integration.models import BksbSettings, Run
from bksb_integration.sync import queue
from bksb_integration.sync.breaker import run_probe
from bksb_integration.sync.download import BUSY, YIELDED, run_learner_download, run_learners_download
from bksb_integration.sync.get_results import get_results_plan, get_results_start, runs_prune, runs_sweep
from bksb_integration.sync.skills_backfill import skills_backfill_run, skills_backfill_start
from bksb_integration.sync.watch import watch_pass_start
from ops.logs import log_context

logger = logging.getLogger(__name__)


class TaskOptions(TypedDict):
    """What every task here is registered with; typed, so shared_task's overloads can check it."""

    acks_late: bool
    reject_on_worker_lost: bool
    ignore_result: bool


TASK_OPTIONS: TaskOptions = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}
# Another download holds the learner's lease: look again after this long.
BUSY_RETRY_SECONDS = 10
# A watch pass stepped aside for a manual download: its learners are queued again after this long.
YIELD_RETRY_SECONDS = 15


@shared_task(name=queue.RUN_LEARNER_DOWNLOAD, bind=True, max_retries=30, **TASK_OPTIONS)
def run_learner_download_task(self: Task[[int], str], run_learner_id: int) -> str:
    """One learner's BKSB Results download; if another download holds the learner, try again shortly."""
    outcome = run_learner_download(run_learner_id=run_learner_id)
    if outcome == BUSY:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome


@shared_task(name=queue.RUN_LEARNERS_DOWNLOAD, **TASK_OPTIONS)
def run_learners_download_task(run_id: int, run_learner_ids: list[int]) -> dict[int, str]:
    """A chunk of a Get Results run's learners, one after another."""
    outcomes = run_learners_download(run_id=run_id, run_learner_ids=run_learner_ids)
    for run_learner_id, outcome in outcomes.items():
        if outcome == BUSY:
            queue.run_learner_download_queue(run_learner_id, countdown=BUSY_RETRY_SECONDS)
    stepped_aside = [run_learner_id for run_learner_id, outcome in outcomes.items() if outcome == YIELDED]
    if stepped_aside:
        queue.run_learners_download_queue(run_id, stepped_aside, countdown=YIELD_RETRY_SECONDS)
    return outcomes


@shared_task(name=queue.GET_RESULTS_PLAN, **TASK_OPTIONS)
def get_results_plan_task(run_id: int) -> int:
    """List a Get Results run's eligible learners and queue their downloads."""
    with log_context(run_id=run_id):
        return get_results_plan(run_id=run_id)


@shared_task(name=queue.GET_RESULTS_NIGHTLY, **TASK_OPTIONS)
def get_results_nightly_task() -> int | None:
    """The nightly Get Results (django-celery-beat; time editable by admins), after creating the bksb
    users of new eligible records when automatic creation is switched on.

    Skipped, with no run recorded, while bksb is not ready (off, or no keys).
    """
    readiness = bksb_readiness()
    if not readiness.ready:
        logger.info("nightly Get Results skipped: %s", readiness.reason)
        return None
    # New eligible records' bksb users, when switched on; after matching has linked the strong unique
    # matches, when that is switched on too, so nobody who has a bksb user gets a second one.
    if BksbSettings.load().match_link_automatically:
        nightly_match_start(then_create=True)
    else:
        auto_create_start(reason="the nightly run")
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.SCHEDULED)
    return run.pk


@shared_task(name=queue.AUTO_CREATE, **TASK_OPTIONS)
def auto_create_task(reason: str) -> int | None:
    """Automatic users: queue the Create bksb users job for the new eligible records (when switched on)."""
    job = auto_create_start(reason=reason)
    return job.pk if job else None


@shared_task(name=queue.GET_RESULTS_PROBE, **TASK_OPTIONS)
def get_results_probe_task(run_id: int) -> str:
    """A paused Get Results run asks whether bksb is back: resume, wait, or stop."""
    with log_context(run_id=run_id):
        return run_probe(run_id=run_id)


@shared_task(name=queue.RUNS_SWEEP, **TASK_OPTIONS)
def runs_sweep_task() -> int:
    """Re-queue work lost with a killed worker, so interrupted runs finish."""
    return runs_sweep()


@shared_task(name=queue.RUNS_PRUNE, **TASK_OPTIONS)
def runs_prune_task() -> int:
    """Delete run history older than the configured number of days, and username answers past their day."""
    probes_prune()
    return runs_prune()


@shared_task(name=queue.WATCH_PASS, **TASK_OPTIONS)
def watch_pass_task() -> int | None:
    """One pass over the watch list (beat, every few minutes): a Watch list run of the records due.

    Skipped while bksb is not ready, outside the watch hours, while a manual
    download runs, or while the last pass runs.
    """
    readiness = bksb_readiness()
    if not readiness.ready:
        logger.info("watch pass skipped: %s", readiness.reason)
        return None
    started = watch_pass_start(trigger=Run.Trigger.SCHEDULED)
    if started.run is None:
        logger.info("watch pass: no run (%s)", started.reason)
        return None
    return started.run.pk


@shared_task(name=queue.SKILLS_BACKFILL_START, **TASK_OPTIONS)
def skills_backfill_start_task() -> int | None:
    """Beat, every few minutes: a Skills backfill run, when reports are still to come and no other run is live."""
    if not bksb_readiness().ready:
        return None
    run = skills_backfill_start(trigger=Run.Trigger.SCHEDULED)
    return run.pk if run is not None else None


@shared_task(name=queue.SKILLS_BACKFILL, **TASK_OPTIONS)
def skills_backfill_task(run_id: int) -> str:
    """Read skills reports still to come until another run goes live (then step aside) or none is left."""
    return skills_backfill_run(run_id=run_id)
