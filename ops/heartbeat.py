"""Are the workers and beat alive? Each stamps a heartbeat in the shared state.

- A worker stamps from its own timer every WORKER_EVERY seconds (a bootstep,
  registered in bksbmis/celery.py), whatever its threads are busy with: a
  worker deep in a night's downloads is still alive. It stamps when it runs
  the heartbeat task too, which shows the queue is being consumed.
- Beat sends the heartbeat task every BEAT_EVERY seconds (CELERY_BEAT_SCHEDULE)
  and stamps once the broker has taken it (after_task_publish, in beat's process).

/health/ready calls a worker or beat dead once its stamp is older than
WORKER_STALE_AFTER / BEAT_STALE_AFTER: within a minute of the last one stopping.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import redis
from celery import bootsteps

from ops.state import shared_state

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "ops.tasks.heartbeat"
TABLE = "heartbeats"
WORKER_EVERY = 5.0
WORKER_STALE_AFTER = 30.0
BEAT_EVERY = 10.0
BEAT_STALE_AFTER = 40.0


def heartbeat_stamp(who: str, *, at: float | None = None) -> None:
    """Record that `who` ("worker:<host>", "beat", "queue") was alive now. Never raises."""
    try:
        shared_state().put(TABLE, who, time.time() if at is None else at)
    except (redis.RedisError, OSError) as exc:
        logger.warning("heartbeat %s not recorded: %s", who, type(exc).__name__)


def heartbeats_read() -> dict[str, float]:
    """Every stamp: who -> seconds since the epoch."""
    return shared_state().read(TABLE)


def beat_published(sender: str | None = None, **_: Any) -> None:
    """after_task_publish: beat handed the heartbeat task to the broker."""
    if sender == HEARTBEAT_TASK:
        heartbeat_stamp("beat")


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker's own timer stamps its heartbeat, busy or idle."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.who = f"worker:{getattr(worker, 'hostname', None) or socket.gethostname()}"
        self.entry: Any = None

    def start(self, worker: Any) -> None:
        heartbeat_stamp(self.who)
        self.entry = worker.timer.call_repeatedly(WORKER_EVERY, heartbeat_stamp, (self.who,), priority=10)

    def stop(self, worker: Any) -> None:
        if self.entry is not None:
            self.entry.cancel()
