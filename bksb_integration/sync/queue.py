"""Queuing work on the workers, by the tasks' registered names.

Services that fan work out (planning a run, the sweeper, a BKSB Results
click) queue it through here, so no service imports the tasks module that
calls it. The names are the ones beat's stored schedules use: they stay the
same when modules move.
"""

from __future__ import annotations

from celery import current_app

TASK_PREFIX = "bksb_integration.tasks."
RUN_LEARNER_DOWNLOAD = TASK_PREFIX + "run_learner_download"
RUN_LEARNERS_DOWNLOAD = TASK_PREFIX + "run_learners_download"
GET_RESULTS_PLAN = TASK_PREFIX + "bulk_run_plan"
GET_RESULTS_NIGHTLY = TASK_PREFIX + "bulk_run_scheduled"
RUNS_SWEEP = TASK_PREFIX + "runs_sweep"
RUNS_PRUNE = TASK_PREFIX + "runs_prune"
GET_RESULTS_PROBE = TASK_PREFIX + "get_results_probe"
WATCH_PASS = TASK_PREFIX + "watch_pass"
SKILLS_BACKFILL = TASK_PREFIX + "skills_backfill"
SKILLS_BACKFILL_START = TASK_PREFIX + "skills_backfill_start"
AUTO_CREATE = TASK_PREFIX + "auto_create"

# A person waiting on a BKSB Results click is queued here, never behind a long run's messages in the default
# queue: every worker consumes both (settings.CELERY_TASK_QUEUES), and a small worker of its own
# (docker-compose.yml's worker-now, Procfile.demo's worker_now) consumes only this one, so a thread is free for it
# however busy the others are.
STAFF_WAITING_QUEUE = "bksb_now"
DEFAULT_QUEUE = "celery"

# Learners per task message: enough to spread a run's messaging cost, few
# enough that every worker thread gets a share of a small run.
LEARNERS_PER_TASK = 10


def _queue(name: str, *args: object, countdown: float = 0, queue: str = DEFAULT_QUEUE) -> None:
    """Queue the named task; a countdown of 0 (celery's "no countdown") runs it as soon as a worker is free."""
    current_app.signature(name, args=args).apply_async(countdown=countdown, queue=queue)


def run_learner_download_queue(run_learner_id: int, *, countdown: float = 0) -> None:
    """One learner's download (a BKSB Results click, or its retry): someone is waiting, so the staff queue."""
    _queue(RUN_LEARNER_DOWNLOAD, run_learner_id, countdown=countdown, queue=STAFF_WAITING_QUEUE)


def run_learners_download_queue(run_id: int, run_learner_ids: list[int], *, countdown: float = 0) -> None:
    """Queue a run's learners, a few to a message.

    Queued again after a countdown (a watch pass that stepped aside) under Celery
    set to run tasks eagerly, they would run again at once, and again: there the
    sweeper takes them up instead.
    """
    if countdown and current_app.conf.task_always_eager:
        return
    for start in range(0, len(run_learner_ids), LEARNERS_PER_TASK):
        _queue(RUN_LEARNERS_DOWNLOAD, run_id, run_learner_ids[start : start + LEARNERS_PER_TASK], countdown=countdown)


def get_results_plan_queue(run_id: int, *, countdown: float = 0) -> None:
    _queue(GET_RESULTS_PLAN, run_id, countdown=countdown)


def get_results_probe_queue(run_id: int, *, countdown: float = 0) -> None:
    """Ask bksb again after `countdown` whether a paused run may resume.

    Celery set to run tasks eagerly (the tests) ignores countdowns: a probe
    would run at once, and again and again while bksb is down. There it is
    not queued; the sweeper queues a probe for a paused run whose time has come.
    """
    if current_app.conf.task_always_eager:
        return
    _queue(GET_RESULTS_PROBE, run_id, countdown=countdown)


def skills_backfill_queue(run_id: int) -> None:
    _queue(SKILLS_BACKFILL, run_id)


def auto_create_queue(*, reason: str) -> None:
    """Create bksb users for the new eligible records (creation/intake.py), after the work that queues it."""
    _queue(AUTO_CREATE, reason)
