"""Request counters of the sandbox (a test double); control calls are not counted."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counts of requests, endpoints, statuses and concurrency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter (in-flight requests stay counted)."""
        with self._lock:
            self._requests = 0
            self._by_path: Counter[str] = Counter()
            self._by_status: Counter[int] = Counter()
            self._in_flight = getattr(self, "_in_flight", 0)
            self._max_concurrency = self._in_flight
            self._connections = 0

    def started(self, endpoint: str) -> None:
        """A request for ``endpoint`` began."""
        with self._lock:
            self._requests += 1
            self._by_path[endpoint] += 1
            self._in_flight += 1
            self._max_concurrency = max(self._max_concurrency, self._in_flight)

    def finished(self, status: int) -> None:
        """The request answered with ``status``."""
        with self._lock:
            self._in_flight -= 1
            self._by_status[status] += 1

    def connection_opened(self) -> None:
        """A client opened a TCP connection (few of these means keep-alive works)."""
        with self._lock:
            self._connections += 1

    def snapshot(self) -> dict[str, Any]:
        """Counts as a JSON-ready dict."""
        with self._lock:
            return {
                "requests": self._requests,
                "by_path": dict(self._by_path),
                "by_status": {str(k): v for k, v in sorted(self._by_status.items())},
                "throttled_429": self._by_status[429],
                "server_errors_5xx": sum(v for k, v in self._by_status.items() if k >= 500),
                "in_flight": self._in_flight,
                "max_concurrency": self._max_concurrency,
                "connections_opened": self._connections,
            }
