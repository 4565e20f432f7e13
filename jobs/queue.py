"""Queuing a job on the workers by its task's registered name, so services never import the tasks module."""

from __future__ import annotations

from celery import current_app

JOB_RUN = "jobs.tasks.job_run"
WORK_SWEEP = "jobs.tasks.work_sweep"


def job_run_queue(job_id: int) -> None:
    current_app.signature(JOB_RUN, args=(job_id,)).apply_async()
