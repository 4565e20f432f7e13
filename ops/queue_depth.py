"""How many task messages wait in the broker, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import redis
from django.conf import settings
from prometheus_client.core import GaugeMetricFamily, Metric

from ops.health import BROKER_TIMEOUT

QUEUE = "celery"
# kombu's Redis transport keeps a queue's priorities in lists of their own beside it.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_depth() -> int | None:
    """Messages waiting (not yet taken by a worker); None when the broker cannot say."""
    url: str = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        client = redis.Redis.from_url(url, socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=BROKER_TIMEOUT)
        try:
            return sum(int(client.llen(QUEUE + suffix)) for suffix in PRIORITY_SUFFIXES)
        finally:
            client.close()
    if url.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        return sum(1 for path in folder.glob("*.msg") if path.is_file())
    return None


def queue_metrics() -> Iterable[Metric]:
    family = GaugeMetricFamily(
        "bksbmis_queue_depth", "Task messages waiting in the broker, by queue.", labels=("queue",)
    )
    depth = queue_depth()
    if depth is not None:
        family.add_metric([QUEUE], depth)
    yield family
