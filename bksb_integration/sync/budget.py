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

Every request carries a Priority (1 a person waiting, 2 the watch list, 3 the
nightly run and matching, 4 backfill). The debt is the queue: a request of
priority 1 always reserves, behind whatever is already reserved. A lower one
reserves only while the debt is short (FREE_AHEAD of the budget's time), and
while a higher priority has asked within LINGER, only a whole token left over
now: otherwise it reserves nothing and comes back when the debt has shrunk.
So a person's request waits behind a fraction of a second of others' at most,
lower priorities take what the higher ones leave, and the total never
exceeds the rate, since every request, whatever its priority, holds a token.
The bucket keeps when each priority last asked: `budget_waiting_behind` tells
a run's window whom it is giving way to.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import redis
from django.conf import settings

from bksb_integration.api.errors import BksbBudgetBusy
from bksb_integration.api.types import Priority
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

# ARGV[3] the priority (1 first), ARGV[4] LINGER, ARGV[5] the debt (ms) a lower priority may queue behind
# while nothing higher asks, ARGV[6] while something higher does. Returns the milliseconds to wait before
# using the token reserved (0 = now), or, negative, that none was reserved: ask again after that many ms.
_TAKE = (
    _REFILL
    + """
local priority = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'd' .. priority, tostring(now))
if priority > 1 then
  local ahead = tonumber(ARGV[5])
  for higher = 1, priority - 1 do
    local asked = tonumber(redis.call('HGET', KEYS[1], 'd' .. higher) or '0')
    if now - asked < tonumber(ARGV[4]) then ahead = tonumber(ARGV[6]) end
  end
  local debt = -tokens * 1000 / rate
  if debt >= ahead then
    redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
    redis.call('PEXPIRE', KEYS[1], 60000 + math.ceil(debt))
    return -(math.ceil(debt - ahead) + 1)
  end
end
tokens = tokens - 1
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens * 1000 / rate) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000 + wait)
return wait
"""
)

# KEYS[1] the bucket hash: when each priority last asked, in ms on Redis's clock, and that clock now.
_ASKED = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
return {now, redis.call('HGET', KEYS[1], 'd1') or '0', redis.call('HGET', KEYS[1], 'd2') or '0',
        redis.call('HGET', KEYS[1], 'd3') or '0', redis.call('HGET', KEYS[1], 'd4') or '0'}
"""

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
# A priority counts as asking for this long after its last request (a person's download asks one request after
# another, each waiting on bksb's answer in between).
LINGER = 2.0
# How much of the budget's time a lower priority may queue ahead of a higher one: with nothing higher asking,
# and while something higher asks. A request of priority 1 waits behind at most FREE_AHEAD of others' requests.
# While something higher asks, a lower priority queues behind nothing: it takes only a whole token left over
# now (the higher one's reservations leave none; its pauses, such as waiting on bksb's answers, do).
FREE_AHEAD = 0.5
# A request that reserved nothing asks again after the debt has shrunk, with this much jitter, and at least this
# long after (or a token's time, if longer), so that threads turned away do not all come back at once or spin.
RETRY_JITTER = 0.5
RETRY_AT_LEAST = 0.05


def _horizons(rate: float) -> tuple[float, float]:
    """(free, busy): how far into debt (seconds) a lower priority may queue. Free is never less than two tokens'
    worth, so a slow budget still lets one through; busy is a token in credit (a negative debt)."""
    return max(FREE_AHEAD, 2 / rate), -1 / rate


def _turned_away(seconds: float, rate: float) -> float:
    """How long a request that reserved nothing sleeps before asking again."""
    return max(RETRY_AT_LEAST, 1 / rate, seconds) * (1 + random.uniform(0, RETRY_JITTER))


class RedisTokenBucket:
    """The shared bucket in Redis (production)."""

    def __init__(self, client: redis.Redis, *, rate: float, burst: float | None = None, name: str = "bksb") -> None:
        self.rate = max(rate, 0.1)
        self.burst = burst if burst is not None else max(1.0, self.rate / 10)
        self._keys = [f"{name}:bucket"]
        self._take = client.register_script(_TAKE)
        self._penalise = client.register_script(_PENALISE)
        self._asked = client.register_script(_ASKED)
        self._horizons = [int(seconds * 1000) for seconds in _horizons(self.rate)]

    def take(self, priority: Priority = Priority.PERSON) -> float:
        """Reserve a token: the seconds to wait before it may be used (0.0 = now); negative when none was
        reserved (a higher priority is using the budget): ask again after that many seconds."""
        args = [self.rate, self.burst, int(priority), int(LINGER * 1000), *self._horizons]
        return int(self._take(keys=self._keys, args=args)) / 1000

    def acquire(self, priority: Priority = Priority.PERSON) -> None:
        while (wait := self.take(priority)) < 0:
            time.sleep(_turned_away(-wait, self.rate))
        if wait > 0:
            time.sleep(wait)

    def penalise(self, seconds: float) -> None:
        millis = int(min(max(seconds, 0.0), MAX_PENALTY) * 1000)
        if millis:
            self._penalise(keys=self._keys, args=[self.rate, self.burst, millis])

    def asked(self) -> dict[Priority, float]:
        """How many seconds ago each priority last asked for a request (those that ever did)."""
        now, *stamps = (int(value) for value in self._asked(keys=self._keys))
        return {Priority(n): (now - stamp) / 1000 for n, stamp in enumerate(stamps, start=1) if stamp}


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

    def _take(self, state: dict[str, float], now: float, priority: Priority) -> float:
        tokens = self._refill(state, now)
        state[f"d{int(priority)}"] = now
        if priority > Priority.PERSON:
            free, busy = _horizons(self.rate)
            higher = any(now - state.get(f"d{n}", 0.0) < LINGER for n in range(1, int(priority)))
            ahead, debt = (busy if higher else free), -tokens / self.rate
            if debt >= ahead:
                state.update(tokens=tokens, stamp=now)
                return -(debt - ahead + 0.001)
        tokens -= 1
        state.update(tokens=tokens, stamp=now)
        return -tokens / self.rate if tokens < 0 else 0.0

    def take(self, priority: Priority = Priority.PERSON) -> float:
        """As the Redis bucket: seconds to wait for the token reserved; negative when none was."""
        return self._update(lambda state, now: self._take(state, now, priority))

    def acquire(self, priority: Priority = Priority.PERSON) -> None:
        while (wait := self.take(priority)) < 0:
            time.sleep(_turned_away(-wait, self.rate))
        if wait > 0:
            time.sleep(wait)

    def asked(self) -> dict[Priority, float]:
        """How many seconds ago each priority last asked for a request (those that ever did)."""
        seen: dict[Priority, float] = {}

        def read(state: dict[str, float], now: float) -> float:
            seen.update({p: now - state[f"d{int(p)}"] for p in Priority if f"d{int(p)}" in state})
            return 0.0

        self._update(read)
        return seen

    def penalise(self, seconds: float) -> None:
        """As the Redis bucket: owe a pause's worth of tokens at once."""
        owed = -min(max(seconds, 0.0), MAX_PENALTY) * self.rate

        def change(state: dict[str, float], now: float) -> float:
            state.update(tokens=min(self._refill(state, now), owed), stamp=now)
            return 0.0

        self._update(change)


class Bucket(Protocol):
    """A shared budget: reserve a token and learn how long to wait for it; pause everyone after a 429."""

    rate: float

    def take(self, priority: Priority = Priority.PERSON) -> float: ...

    def penalise(self, seconds: float) -> None: ...

    def asked(self) -> dict[Priority, float]: ...


class CountingThrottle:
    """A run's view of the shared budget, at its priority: counts its requests, and waits through `sleep`.

    The run's `sleep` keeps its claims alive while it waits for the budget
    (a shared pause after a 429 can last minutes, and a lower priority waits
    for as long as a higher one uses the whole budget): the one heartbeat
    beats as it waits (sync/heartbeat.py).
    """

    def __init__(
        self,
        inner: Bucket,
        *,
        sleep: Callable[[float], None] = time.sleep,
        priority: Priority = Priority.PERSON,
        label: str = "",
        longest_wait: float | None = None,
    ) -> None:
        self.inner = inner
        self.sleep = sleep
        self.priority = priority
        # Who draws on the budget, for /metrics' budget use by priority (the run's kind, "matching", ...).
        self.label = label or priority.name.lower()
        # A page cannot wait minutes (a pause after a 429): past this, nothing is sent and BksbBudgetBusy says so.
        self.longest_wait = longest_wait
        self.count = 0
        self.turned_away = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while (wait := self.inner.take(self.priority)) < 0:
            with self._lock:
                self.turned_away += 1
            self.sleep(_turned_away(-wait, self.inner.rate))
        if self.longest_wait is not None and wait > self.longest_wait:
            what = f"bksb's request limit is taken for the next {wait:.0f} s"
            raise BksbBudgetBusy(f"Not sent: {what}. Try again shortly.", call="budget", detail=what)
        if wait > 0:
            self.sleep(wait)
            counter_add(BUDGET_WAIT_SECONDS, wait, priority=self.label)
        counter_add(BUDGET_REQUESTS, priority=self.label)
        with self._lock:
            self.count += 1

    def penalise(self, seconds: float) -> None:
        self.inner.penalise(seconds)


_redis_clients: dict[str, redis.Redis] = {}
_redis_buckets: dict[tuple[str, str, float], RedisTokenBucket] = {}


def budget_throttle(
    *,
    rate: float,
    priority: Priority,
    sleep: Callable[[float], None] = time.sleep,
    longest_wait: float | None = None,
) -> CountingThrottle:
    """A client's throttle on the shared budget at this priority (config.connection hands it to every client)."""
    return CountingThrottle(shared_throttle(rate=rate), sleep=sleep, priority=priority, longest_wait=longest_wait)


def budget_waiting_behind(*, rate: float, priority: Priority) -> list[Priority]:
    """The higher priorities using the shared budget now (asked within LINGER): whom `priority` gives way to."""
    asked = shared_throttle(rate=rate).asked()
    return [p for p, ago in sorted(asked.items()) if p < priority and ago < LINGER]


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
