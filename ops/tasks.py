"""The heartbeat task: beat sends it, a worker runs it (see heartbeat.py)."""

from __future__ import annotations

from celery import shared_task

from ops.heartbeat import HEARTBEAT_TASK, heartbeat_stamp


@shared_task(name=HEARTBEAT_TASK, ignore_result=True, expires=60)
def heartbeat() -> None:
    heartbeat_stamp("queue")
