"""The bksb sandbox server: a TEST DOUBLE of the bksb Live 2 API, in-process or CLI.

srv = SandboxServer(SandboxConfig(port=0, access_key_id="k", secret_access_key="s"))
srv.start()          # background thread; srv.url -> "http://127.0.0.1:PORT/"
...
srv.stop()
"""

from __future__ import annotations

import contextlib
import random
import socket
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from bksb_sandbox.api import Api
from bksb_sandbox.config import SandboxConfig
from bksb_sandbox.handler import Handler
from bksb_sandbox.population import Population
from bksb_sandbox.ratelimit import RateLimiter
from bksb_sandbox.stats import Stats
from bksb_sandbox.store import Store

__all__ = ["SandboxConfig", "SandboxServer"]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    app: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, closed pool) is normal here, not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SandboxServer:
    """Serves the fake bksb api; knobs on ``config`` may change while it runs."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.population = Population(self.config.seed, self.config.users)
        self.store = Store(self.population, self.config.state_file)
        self.api = Api(self.store, self.config)
        self.stats_counter = Stats()
        self.limiter = RateLimiter()
        self._rng = random.Random(f"{self.config.seed}:faults")
        self._rng_lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------

    def bind(self) -> None:
        """Open the listening socket (port 0 picks a free one)."""
        if self._httpd is None:
            self._httpd = _HTTPServer((self.config.host, self.config.port), Handler)
            self._httpd.app = self
            self.config.port = self._httpd.server_address[1]

    def start(self) -> SandboxServer:
        """Serve in a background daemon thread; returns self."""
        self.bind()
        self._thread = threading.Thread(target=self.serve_forever, name="bksb-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop`` is called."""
        self.bind()
        assert self._httpd is not None
        self._httpd.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop serving, end sleeping requests and close kept-alive connections."""
        self._stopping.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        with self._connections_lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765/`` (the api is under ``api/``)."""
        host = self.config.host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        return f"http://{host}:{self.config.port}/"

    # -- inspection and control ----------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts: requests, by_path, by_status, throttled_429, server_errors_5xx,
        in_flight, max_concurrency, connections_opened (api, autologin; not control calls)."""
        return self.stats_counter.snapshot()

    def reset_stats(self) -> None:
        """Zero the counters and refill the rate-limit buckets."""
        self.stats_counter.reset()
        self.limiter.reset()

    def set_config(self, **knobs: Any) -> None:
        """Change runtime knobs (see config.RUNTIME_KNOBS); ValueError if bad."""
        self.config.update(knobs)
        if "duplicate_on_page_boundary" in knobs:
            self.store.reset_injections()

    def add_results(
        self,
        username: str,
        kind: str = "initial",
        count: int = 1,
        subject: str | None = None,
        result: str | None = None,
    ) -> list[dict[str, Any]]:
        """Add ``count`` results dated now (UK local) as the user's newest."""
        return self.store.add_results(username, kind, count, subject, result)

    def place_users(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add bksb users under chosen usernames (see Store.place_users); their ids in order."""
        return self.store.place_users(users)

    def start_session(
        self, username: str, subject: str, kind: str = "initial", finish_after: int = 1, result: str | None = None
    ) -> dict[str, Any]:
        """Start a V5 session: unfinished for `finish_after` listings, finished (with its result) on the next."""
        return self.store.start_session(username, subject, kind, finish_after, result)

    def create_user_calls(self) -> dict[str, int]:
        """{username: createUser calls for it}: more than 1 means a client sent one twice."""
        return self.store.create_user_calls()

    def created_users(self) -> list[dict[str, Any]]:
        """Users made through createUser (never with a password)."""
        return self.store.created_users()

    def user_details(self, username: str) -> dict[str, Any] | None:
        """What ``GET /_sandbox/users/<username>`` answers, or None."""
        return self.store.details(username)

    def merge_users(self, username: str, into: str, *, name_follows: bool = True) -> dict[str, Any]:
        """Merge a user into another, as bksb merges duplicates (see Store.merge_users)."""
        return self.store.merge_users(username, into, name_follows=name_follows)

    def user_id(self, username: str) -> int | None:
        """The bksb user id of a username, or None."""
        user = self.store.user_by_name(username)
        return user.user_id if user else None

    # -- helpers for the handler ---------------------------------------------

    def latency_seconds(self) -> float:
        """This request's latency: latency_ms plus or minus up to jitter_ms."""
        cfg = self.config
        with self._rng_lock:
            jitter = self._rng.uniform(-cfg.jitter_ms, cfg.jitter_ms) if cfg.jitter_ms else 0
        return max(0.0, cfg.latency_ms + jitter) / 1000

    def chance(self, rate: float) -> bool:
        """True with probability ``rate`` (seeded, so runs repeat)."""
        if rate <= 0:
            return False
        with self._rng_lock:
            return self._rng.random() < rate

    def pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def track_connection(self, conn: socket.socket, open_: bool) -> None:
        """Remember open connections so ``stop`` can close kept-alive ones."""
        with self._connections_lock:
            if open_:
                self._connections.add(conn)
                self.stats_counter.connection_opened()
            else:
                self._connections.discard(conn)
