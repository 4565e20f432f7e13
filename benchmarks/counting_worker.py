"""A Celery app for benchmark workers that also counts their database queries.

Start a worker with `celery -A benchmarks.counting_worker worker`: it is the
project's app, plus a counter of every SQL statement the worker sends, added
to a Redis key (QUERY_COUNT_KEY) every half second so the benchmark can read
queries per learner. Used by benchmarks only; the product never imports it.
"""

from __future__ import annotations

import itertools
import os
import threading
import time

import redis
from celery.signals import worker_ready
from django.db.backends import utils

from bksbmis.celery import app

QUERY_COUNT_KEY = "bench:queries"
_count = itertools.count()
_flushed = 0


def _counting(method):  # type: ignore[no-untyped-def]
    def wrapper(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        next(_count)
        return method(self, *args, **kwargs)

    return wrapper


utils.CursorWrapper.execute = _counting(utils.CursorWrapper.execute)
utils.CursorWrapper.executemany = _counting(utils.CursorWrapper.executemany)


def _flush_forever(client: redis.Redis) -> None:
    global _flushed
    while True:
        time.sleep(0.5)
        # Reading an itertools.count's position without moving it: its repr.
        seen = int(repr(_count)[6:-1])
        if seen != _flushed:
            client.incrby(QUERY_COUNT_KEY, seen - _flushed)
            _flushed = seen


@worker_ready.connect
def _start_flushing(**_: object) -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    threading.Thread(target=_flush_forever, args=(client,), daemon=True).start()


__all__ = ["app"]
