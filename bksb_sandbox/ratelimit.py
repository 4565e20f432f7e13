"""Token-bucket rate limiting per access key, for the sandbox (a test double)."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Allows ``rate`` requests per second per key, with a burst of one second's worth.

    The rate is passed on every call so a runtime config change takes effect at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, stamp)

    def allow(self, key: str, rate: float) -> bool:
        """Take one token for ``key``; False means answer 429. ``rate`` 0 = unlimited."""
        if rate <= 0:
            return True
        capacity = max(1.0, rate)
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - stamp) * rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def reset(self) -> None:
        """Forget every bucket (all keys start full again)."""
        with self._lock:
            self._buckets.clear()
