"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from bksb_integration.runs import run_learner_process


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=30)
def run_learner_download(self, run_learner_id: int) -> str:
    """Download one learner's results as part of a run (single or bulk).

    If another download of the same learner holds its lease, try again shortly.
    """
    outcome = run_learner_process(run_learner_id=run_learner_id)
    if outcome == "busy":
        raise self.retry(countdown=10)
    return outcome
