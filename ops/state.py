"""Counters and heartbeats every process shares: web, workers and beat.

Prometheus scrapes one web process, but bksb is called from the workers, so what
they count must be kept outside any one process: in Redis when REDIS_URL is set
(one hash per kind, HINCRBYFLOAT is atomic across hosts), otherwise in a locked
JSON file under VAR_DIR, shared by the processes of one machine (the embedded
default runs everything on one machine).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import redis
from django.conf import settings

# Every key this module writes starts with this (tests give each test its own).
DEFAULT_PREFIX = "bksbmis-ops"
# Answers must come fast: a health check or a counter never waits long on Redis.
REDIS_TIMEOUT = 2.0


class SharedState(Protocol):
    """Named hashes of numbers, shared by every process."""

    # Where the hashes are (one per Redis server and prefix, or per file): counts for one place are sent together.
    where: str

    def add(self, table: str, field: str, amount: float) -> None: ...

    def add_all(self, amounts: Mapping[tuple[str, str], float]) -> None:
        """Add to many fields at once: {(table, field): amount}."""

    def put(self, table: str, field: str, value: float) -> None: ...

    def read(self, table: str) -> dict[str, float]: ...


class RedisState:
    def __init__(self, client: redis.Redis, url: str, prefix: str) -> None:
        self.client, self.prefix = client, prefix
        self.where = f"{url} {prefix}"

    def add(self, table: str, field: str, amount: float) -> None:
        self.client.hincrbyfloat(f"{self.prefix}:{table}", field, amount)

    def add_all(self, amounts: Mapping[tuple[str, str], float]) -> None:
        pipe = self.client.pipeline(transaction=False)  # one round trip
        for (table, field), amount in amounts.items():
            pipe.hincrbyfloat(f"{self.prefix}:{table}", field, amount)
        pipe.execute()

    def put(self, table: str, field: str, value: float) -> None:
        self.client.hset(f"{self.prefix}:{table}", field, repr(value))

    def read(self, table: str) -> dict[str, float]:
        raw = self.client.hgetall(f"{self.prefix}:{table}")
        return {_text(key): float(value) for key, value in raw.items()}


class FileState:
    """The same hashes in one locked file (embedded default)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def _change(self, values: Mapping[tuple[str, str], float], *, add: bool) -> None:
        # The folder is made when written to, not each time a counter asks where its counts go.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state = _load(fd)
            for (table, field), value in values.items():
                row = state.setdefault(table, {})
                row[field] = (row.get(field, 0.0) + value) if add else value
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(state).encode())
        finally:
            os.close(fd)

    def add(self, table: str, field: str, amount: float) -> None:
        self._change({(table, field): amount}, add=True)

    def add_all(self, amounts: Mapping[tuple[str, str], float]) -> None:
        self._change(amounts, add=True)

    def put(self, table: str, field: str, value: float) -> None:
        self._change({(table, field): value}, add=False)

    def read(self, table: str) -> dict[str, float]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return dict(_load(fd).get(table, {}))
        finally:
            os.close(fd)


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _load(fd: int) -> dict[str, dict[str, float]]:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    raw = b"".join(chunks)
    return json.loads(raw) if raw else {}


_clients: dict[str, redis.Redis] = {}


def shared_state() -> SharedState:
    """Redis when REDIS_URL is set, else a file in VAR_DIR."""
    prefix = getattr(settings, "OPS_STATE_PREFIX", DEFAULT_PREFIX)
    url = settings.REDIS_URL
    if url:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(
                url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
        return RedisState(_clients[url], url, prefix)
    return FileState(Path(settings.VAR_DIR) / f"{prefix}.json")
