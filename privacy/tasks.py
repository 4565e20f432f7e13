"""The nightly retention run (beat's schedule "privacy: anonymise records past their retention period")."""

from __future__ import annotations

from celery import shared_task

from privacy.retention import retention_run

RETENTION_NIGHTLY = "privacy.tasks.retention_nightly"


@shared_task(name=RETENTION_NIGHTLY, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def retention_nightly_task() -> dict[str, int]:
    """Anonymise what is past its period (privacy.retention.retention_run); safe to repeat: done is not redone."""
    event = retention_run(by=None)
    return dict(event.counts.get("done", {})) if event is not None else {}
