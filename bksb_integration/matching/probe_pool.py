"""Probing many usernames at once: a pool of threads, each with its own client, all on one counted budget.

A run asks up to eight names a record; one thread would leave bksb's rate
limit mostly unused while it waits on each answer, so the names of a chunk
are asked in parallel. Every request still takes a token from the shared
budget (budget.py), and the counter says how many a run made.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from bksb_integration.api.client import BksbClient
from bksb_integration.api.types import Priority
from bksb_integration.config.connection import client_for
from bksb_integration.matching.probes import ProbeAnswer, probe_ask
from bksb_integration.models import BksbSettings
from bksb_integration.sync.budget import CountingThrottle, shared_throttle

PROBE_THREADS = 8


class Prober:
    """probe_ask for the pool's threads: each its own client (its own connections), all on one counted budget."""

    def __init__(self, settings: BksbSettings, *, priority: Priority = Priority.PERSON) -> None:
        self.settings = settings
        self.counter = CountingThrottle(
            shared_throttle(rate=settings.requests_per_second), priority=priority, label="matching"
        )
        self._local = threading.local()
        self._clients: list[BksbClient] = []
        self._lock = threading.Lock()

    def client(self) -> BksbClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = client_for(self.settings, throttle=self.counter)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def ask(self, username: str) -> ProbeAnswer:
        return probe_ask(self.client(), username)

    def close(self) -> None:
        for client in self._clients:
            client.close()


@contextmanager
def probing(
    settings: BksbSettings, *, priority: Priority = Priority.PERSON
) -> Iterator[tuple[Prober, ThreadPoolExecutor]]:
    """A prober and its pool of threads, at a priority on the shared budget; every client is closed on leaving."""
    prober = Prober(settings, priority=priority)
    try:
        with ThreadPoolExecutor(max_workers=PROBE_THREADS, thread_name_prefix="bksb-match") as pool:
            yield prober, pool
    finally:
        prober.close()
