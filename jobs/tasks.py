"""The jobs' Celery tasks: run a job by id, and the one sweeper. Acknowledged late, so a worker killed
mid-job hands the message back; the job's claim makes a second delivery harmless."""

from __future__ import annotations

from celery import shared_task

from jobs import queue
from jobs.services import job_run
from jobs.sweepers import work_sweep
from ops.logs import log_context


@shared_task(name=queue.JOB_RUN, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def job_run_task(job_id: int) -> str:
    """Claim the job and run it to the end (see jobs.services.job_run)."""
    with log_context(job_id=job_id):
        return job_run(job_id=job_id)


@shared_task(name=queue.WORK_SWEEP, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def work_sweep_task() -> dict[str, int]:
    """Beat, every minute: queue again the jobs and downloads whose worker went silent (jobs.sweepers)."""
    return work_sweep()
