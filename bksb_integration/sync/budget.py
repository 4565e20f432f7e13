"""One shared budget of bksb requests for every worker.

A token bucket: `rate` requests per second on average, bursts up to `burst`.
In production it lives in Redis, so every worker on every host draws from the
same bucket, and a 429 from bksb pauses them all (penalise). On the embedded
default (no Redis) the same bucket lives in a locked file under ./var, shared
by the processes of one machine.

Taking a token reserves one: when none is left the bucket goes into debt and
says how long the caller must wait for the token it now holds. So a request
costs one call to the bucket and at most one sleep, however busy the budget;
threads never poll it in turns (which cost more CPU than the downloads).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import redis
from django.conf import settings

from ops.metrics import BUDGET_REQUESTS, BUDGET_WAIT_SECONDS, counter_add

# Both scripts: KEYS[1] the bucket hash; ARGV[1] rate, ARGV[2] burst. They start by
# refilling the bucket to now, on Redis's clock, so that hosts with skewed clocks
# still share one budget.
_REFILL = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tokens = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[2])
local stamp = tonumber(redis.call('HGET', KEYS[1], 's') or now)
tokens = math.min(burst, tokens + (now - stamp) * rate / 1000)
"""

# Reserves a token and returns the milliseconds to wait before using it (0 = now).
_TAKE = (
    _REFILL
    + """
tokens = tokens - 1
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens * 1000 / rate) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000 + wait)
return wait
"""
)

# ARGV[3] the pause in ms. The bucket owes a pause's worth of tokens at once:
# nobody reserves a request before the pause ends, and those who ask during it
# are spaced out at the rate after it, not all let go at once.
_PENALISE = (
    _REFILL
    + """
local owed = -tonumber(ARGV[3]) * rate / 1000
if tokens > owed then tokens = owed end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000 + tonumber(ARGV[3]))
return 0
"""
)

MAX_PENALTY = 300.0


class RedisTokenBucket:
    """The shared bucket in Redis (production)."""

    def __init__(self, client: redis.Redis, *, rate: float, burst: float | None = None, name: str = "bksb") -> None:
        self.rate = max(rate, 0.1)
        self.burst = burst if burst is not None else max(1.0, self.rate / 10)
        self._keys = [f"{name}:bucket"]
        self._take = client.register_script(_TAKE)
        self._penalise = client.register_script(_PENALISE)

    def take(self) -> float:
        """Reserve a token: the seconds to wait before it may be used (0.0 = now)."""
        return max(0, int(self._take(keys=self._keys, args=[self.rate, self.burst]))) / 1000

    def acquire(self) -> None:
        if (wait := self.take()) > 0:
            time.sleep(wait)

    def penalise(self, seconds: float) -> None:
        millis = int(min(max(seconds, 0.0), MAX_PENALTY) * 1000)
        if millis:
            self._penalise(keys=self._keys, args=[self.rate, self.burst, millis])


class FileTokenBucket:
    """The same bucket in a locked file, for one machine without Redis (embedded default)."""

    def __init__(self, path: Path, *, rate: float, burst: float | None = None) -> None:
        self.rate = max(rate, 0.1)
        self.burst = burst if burst is not None else max(1.0, self.rate / 10)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def _update(self, change: Callable[[dict[str, float], float], float]) -> float:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.read(fd, 4096)
            state = json.loads(raw) if raw else {}
            result = change(state, time.time())
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(state).encode())
            return result
        finally:
            os.close(fd)

    def _refill(self, state: dict[str, float], now: float) -> float:
        since = now - state.get("stamp", now)
        return min(self.burst, state.get("tokens", self.burst) + since * self.rate)

    def _take(self, state: dict[str, float], now: float) -> float:
        tokens = self._refill(state, now) - 1
        state.update(tokens=tokens, stamp=now)
        return -tokens / self.rate if tokens < 0 else 0.0

    def take(self) -> float:
        """Reserve a token: the seconds to wait before it may be used (0.0 = now)."""
        return max(0.0, self._update(self._take))

    def acquire(self) -> None:
        if (wait := self.take()) > 0:
            time.sleep(wait)

    def penalise(self, seconds: float) -> None:
        """As the Redis bucket: owe a pause's worth of tokens at once."""
        owed = -min(max(seconds, 0.0), MAX_PENALTY) * self.rate

        def change(state: dict[str, float], now: float) -> float:
            state.update(tokens=min(self._refill(state, now), owed), stamp=now)
            return 0.0

        self._update(change)


class Bucket(Protocol):
    """A shared budget: reserve a token and learn how long to wait for it; pause everyone after a 429."""

    def take(self) -> float: ...

    def penalise(self, seconds: float) -> None: ...


class CountingThrottle:
    """A run's view of the shared budget: counts its requests, and waits through `sleep`.

    The run's `sleep` keeps its claims alive while it waits for the budget
    (a shared pause after a 429 can last minutes).
    """

    def __init__(self, inner: Bucket, *, sleep: Callable[[float], None] = time.sleep, priority: str = "normal") -> None:
        self.inner = inner
        self.sleep = sleep
        # Who draws on the budget, for /metrics' budget use by priority.
        self.priority = priority
        self.count = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if (wait := self.inner.take()) > 0:
            self.sleep(wait)
            counter_add(BUDGET_WAIT_SECONDS, wait, priority=self.priority)
        counter_add(BUDGET_REQUESTS, priority=self.priority)
        with self._lock:
            self.count += 1

    def penalise(self, seconds: float) -> None:
        self.inner.penalise(seconds)


_redis_clients: dict[str, redis.Redis] = {}
_redis_buckets: dict[tuple[str, str, float], RedisTokenBucket] = {}


def shared_throttle(*, rate: float) -> Bucket:
    """The bucket every worker shares: Redis when REDIS_URL is set, else a file in VAR_DIR."""
    url = settings.REDIS_URL
    name = getattr(settings, "BKSB_THROTTLE_NAME", "bksb")
    if url:
        # One bucket object per rate: its scripts are registered once, not per learner.
        key = (url, name, rate)
        if key not in _redis_buckets:
            if url not in _redis_clients:
                _redis_clients[url] = redis.Redis.from_url(url)
            _redis_buckets[key] = RedisTokenBucket(_redis_clients[url], rate=rate, name=name)
        return _redis_buckets[key]
    return FileTokenBucket(Path(settings.VAR_DIR) / f"{name}-throttle.json", rate=rate)
