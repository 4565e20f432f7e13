"""Celery tasks: thin wrappers that take ids and call one service.

All are acknowledged late, so a worker killed mid-task hands its message back
to the broker; the services they call are idempotent, so running twice is safe.
"""

from __future__ import annotations

import logging

from celery import shared_task

from bksb_integration import bulk
from bksb_integration.management.availability import bksb_refusal
from bksb_integration.models import Run
from bksb_integration.runs import run_learner_process

logger = logging.getLogger(__name__)

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(bind=True, max_retries=30, **TASK_OPTIONS)
def run_learner_download(self, run_learner_id: int) -> str:
    """Download one learner's results as part of a run (single or bulk).

    If another download of the same learner holds its lease, try again shortly.
    """
    outcome = run_learner_process(run_learner_id=run_learner_id)
    if outcome == "busy":
        raise self.retry(countdown=10)
    return outcome


@shared_task(**TASK_OPTIONS)
def run_learners_download(run_id: int, run_learner_ids: list[int]) -> list[str]:
    """A small batch of a bulk run's learners, one after another."""
    outcomes = []
    for run_learner_id in run_learner_ids:
        outcome = run_learner_process(run_learner_id=run_learner_id)
        if outcome == "busy":
            run_learner_download.apply_async((run_learner_id,), countdown=10)
        outcomes.append(outcome)
    return outcomes


@shared_task(**TASK_OPTIONS)
def bulk_run_plan(run_id: int) -> int:
    """List a bulk run's eligible learners and queue their downloads."""
    return bulk.bulk_run_plan(run_id=run_id)


@shared_task(**TASK_OPTIONS)
def bulk_run_scheduled() -> int | None:
    """The nightly Get Results (django-celery-beat; time editable by admins).

    Skipped, with no run recorded, while the integration is off or not configured.
    """
    refusal = bksb_refusal(need_configured=True)
    if refusal:
        logger.info("nightly Get Results skipped: %s", refusal)
        return None
    run, _ = bulk.bulk_run_start(started_by=None, trigger=Run.Trigger.SCHEDULED)
    return run.pk


@shared_task(**TASK_OPTIONS)
def runs_sweep() -> int:
    """Re-queue work lost with a killed worker, so interrupted runs finish."""
    return bulk.runs_sweep()


@shared_task(**TASK_OPTIONS)
def runs_prune() -> int:
    """Delete run history older than the configured number of days."""
    return bulk.runs_prune()
