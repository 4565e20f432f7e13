"""/health/ready's checks: the database, the broker, a worker, beat, and what apps register.

The shape of django-health-check: each check is a function answering ok or
not with a short reason; ready means every check is ok. Reasons name what is
wrong, never a host, password or anything else an anonymous caller should not learn.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection

from ops.heartbeat import BEAT_STALE_AFTER, WORKER_STALE_AFTER, heartbeats_read

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 3.0


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


HealthCheck = Callable[[], Check]
_registered: dict[str, HealthCheck] = {}


def health_check_register(name: str, check: HealthCheck) -> None:
    """An app's own readiness (bksb_integration registers "bksb")."""
    _registered[name] = check


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        connection.close()  # the next check connects afresh
        return Check(False, f"the database does not answer ({type(exc).__name__})")
    return Check(True, "answers")


def broker_check() -> Check:
    url: str = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            client = redis.Redis.from_url(
                url, socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=int(BROKER_TIMEOUT)
            )
            try:
                client.ping()
            finally:
                client.close()
        elif url.startswith("filesystem://"):
            folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
            if not os.access(folder, os.W_OK):
                return Check(False, "the broker's folder cannot be written")
        else:
            with current_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=int(BROKER_TIMEOUT))
    except (redis.RedisError, OSError) as exc:
        return Check(False, f"the broker does not answer ({type(exc).__name__})")
    return Check(True, "answers")


def worker_check() -> Check:
    return _stamp_check("worker", WORKER_STALE_AFTER, prefix="worker:")


def beat_check() -> Check:
    return _stamp_check("beat", BEAT_STALE_AFTER)


def _stamp_check(who: str, stale_after: float, *, prefix: str | None = None) -> Check:
    try:
        stamps = heartbeats_read()
    except (redis.RedisError, OSError) as exc:
        return Check(False, f"heartbeats cannot be read ({type(exc).__name__})")
    times = [at for name, at in stamps.items() if (name.startswith(prefix) if prefix else name == who)]
    if not times:
        return Check(False, f"no {who} has ever answered")
    age = time.time() - max(times)
    if age > stale_after:
        return Check(False, f"no {who} has answered for {age:.0f} s")
    if prefix:
        alive = sum(1 for at in times if time.time() - at <= stale_after)
        return Check(True, f"{alive} answered in the last {stale_after:.0f} s")
    return Check(True, f"answered {age:.0f} s ago")


CORE_CHECKS: dict[str, HealthCheck] = {
    "database": database_check,
    "broker": broker_check,
    "worker": worker_check,
    "beat": beat_check,
}


def health_report(*, only: str | None = None) -> dict[str, Check]:
    """Every check's answer (or the one named), in a fixed order."""
    checks = {**CORE_CHECKS, **_registered}
    if only is not None:
        checks = {only: checks[only]}
    report = {}
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:  # a check that breaks is a failing check, not an error page
            logger.exception("health check %s failed", name)
            report[name] = Check(False, f"the check failed ({type(exc).__name__})")
    return report


def health_check_names() -> list[str]:
    return [*CORE_CHECKS, *_registered]
