"""The product's Prometheus metrics: what is counted, and how a scrape reads it.

Counting happens in whichever process does the work (a worker calling bksb, a
web request closing a run) and lands in the shared state (state.py), so one
scrape of any web process sees every process's counts. Gauges that the database
or the broker already know (queue depth, the last nightly run) are read at
scrape time by collectors the apps register (`collector_register`).
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ops.state import SharedState, shared_state

logger = logging.getLogger(__name__)

COUNTERS_TABLE = "counters"
HISTOGRAMS_TABLE = "histograms"


@dataclass(frozen=True)
class Counter:
    name: str
    help: str
    labels: tuple[str, ...]


BKSB_REQUESTS = Counter("bksbmis_bksb_requests", "bksb API requests by call and outcome.", ("call", "outcome"))
BKSB_RATE_LIMITED = Counter("bksbmis_bksb_rate_limited", "bksb answers 429 Too Many Requests, by call.", ("call",))
BUDGET_PAUSES = Counter(
    "bksbmis_budget_pauses", "Pauses of the shared request budget after a 429 (every worker waits).", ()
)
BUDGET_PAUSE_SECONDS = Counter(
    "bksbmis_budget_pause_seconds", "Seconds of pause put on the shared request budget after 429s.", ()
)
BUDGET_REQUESTS = Counter(
    "bksbmis_budget_requests", "Requests drawn from the shared bksb request budget, by priority.", ("priority",)
)
BUDGET_WAIT_SECONDS = Counter(
    "bksbmis_budget_wait_seconds", "Seconds spent waiting for the shared request budget, by priority.", ("priority",)
)
RUNS = Counter("bksbmis_runs", "Download runs finished, by kind and outcome.", ("kind", "outcome"))
RUN_PAUSES = Counter("bksbmis_run_pauses", "Runs paused because bksb stopped answering (circuit breaker).", ())
COUNTERS = (
    BKSB_REQUESTS,
    BKSB_RATE_LIMITED,
    BUDGET_PAUSES,
    BUDGET_PAUSE_SECONDS,
    BUDGET_REQUESTS,
    BUDGET_WAIT_SECONDS,
    RUNS,
    RUN_PAUSES,
)

RUN_DURATION = "bksbmis_run_duration_seconds"
RUN_DURATION_HELP = "How long download runs took, from start to finish, by kind."
# From a one-learner download (seconds) to a whole college overnight (hours).
RUN_DURATION_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0)


# Counts wait in the process for up to FLUSH_EVERY seconds and then go to the shared state together: counted one
# by one, every bksb request would cost two more round trips to Redis (or two rewrites of the locked file). A
# scrape, the end of a background task and the end of the process send what waits, so nothing is lost but the
# last second of a process killed outright.
FLUSH_EVERY = 1.0


class _Pending:
    """Counts not yet sent, by where they go: {state.where: (state, {(table, field): amount})}."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting: dict[str, tuple[SharedState, dict[tuple[str, str], float]]] = {}
        self.sent_at = time.monotonic()

    def add(self, field: str, amount: float) -> None:
        state = shared_state()
        with self.lock:
            amounts = self.waiting.setdefault(state.where, (state, {}))[1]
            amounts[(COUNTERS_TABLE, field)] = amounts.get((COUNTERS_TABLE, field), 0.0) + amount
            due = time.monotonic() - self.sent_at >= FLUSH_EVERY
        if due:
            self.send()

    def send(self) -> None:
        with self.lock:
            waiting, self.waiting, self.sent_at = self.waiting, {}, time.monotonic()
        for state, amounts in waiting.values():
            _safely(partial(state.add_all, amounts))


_pending = _Pending()


def counter_add(counter: Counter, amount: float = 1.0, **labels: str) -> None:
    """Add to a counter (sent within FLUSH_EVERY). Never raises: a metric must not fail the work it counts."""
    if set(labels) != set(counter.labels):
        raise ValueError(f"{counter.name} takes the labels {counter.labels}, not {tuple(labels)}")
    _safely(lambda: _pending.add(_field(counter.name, labels), amount))


def counts_send() -> None:
    """Send the counts this process still holds (a scrape, a task's end, the process's end)."""
    _pending.send()


def counts_sent_after_task(**_: object) -> None:
    counts_send()


atexit.register(counts_send)


def run_duration_observe(*, kind: str, seconds: float) -> None:
    """Count one finished run's duration in the histogram's bucket (non-cumulative; the scrape adds up)."""
    bucket = next((str(b) for b in RUN_DURATION_BUCKETS if seconds <= b), "+Inf")

    def write() -> None:
        state = shared_state()
        state.add(HISTOGRAMS_TABLE, _field(RUN_DURATION, {"kind": kind, "le": bucket}), 1)
        state.add(HISTOGRAMS_TABLE, _field(RUN_DURATION + "_sum", {"kind": kind}), max(seconds, 0.0))

    _safely(write)


def _safely(write: Callable[[], None]) -> None:
    try:
        write()
    except (redis.RedisError, OSError, ValueError) as exc:
        logger.warning("a metric could not be recorded: %s", type(exc).__name__)


def _field(name: str, labels: dict[str, str]) -> str:
    return json.dumps([name, dict(sorted(labels.items()))])


# -- reading them: a scrape ----------------------------------------------------------------------

_collectors: dict[str, Callable[[], Iterable[Metric]]] = {}


def collector_register(name: str, collect: Callable[[], Iterable[Metric]]) -> None:
    """An app's metrics read at scrape time (from the database, the broker ...)."""
    _collectors[name] = collect


class SharedCounters(Collector):
    """The counters and histograms every process wrote to the shared state."""

    def collect(self) -> Iterable[Metric]:
        state = shared_state()
        counters = _parsed(state.read(COUNTERS_TABLE))
        for counter in COUNTERS:
            family = CounterMetricFamily(counter.name, counter.help, labels=counter.labels)
            for labels, value in counters.get(counter.name, []):
                family.add_metric([labels.get(name, "") for name in counter.labels], value)
            yield family
        yield _run_durations(_parsed(state.read(HISTOGRAMS_TABLE)))


def _run_durations(rows: dict[str, list[tuple[dict[str, str], float]]]) -> Metric:
    family = HistogramMetricFamily(RUN_DURATION, RUN_DURATION_HELP, labels=("kind",))
    per_kind: dict[str, dict[str, float]] = {}
    for labels, value in rows.get(RUN_DURATION, []):
        per_kind.setdefault(labels["kind"], {})[labels["le"]] = value
    sums = {labels["kind"]: value for labels, value in rows.get(RUN_DURATION + "_sum", [])}
    for kind, counts in sorted(per_kind.items()):
        running, buckets = 0.0, []
        for bound in (*(str(b) for b in RUN_DURATION_BUCKETS), "+Inf"):
            running += counts.get(bound, 0.0)
            buckets.append((bound, running))
        family.add_metric([kind], buckets, sums.get(kind, 0.0))
    return family


def _parsed(raw: dict[str, float]) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for field, value in raw.items():
        name, labels = json.loads(field)
        found.setdefault(name, []).append((labels, value))
    return found


class Registered(Collector):
    def collect(self) -> Iterable[Metric]:
        for name, collect in sorted(_collectors.items()):
            try:
                yield from collect()
            except Exception as exc:  # one source down must not blank the whole scrape
                # One line, not a traceback: a database that is down would print one every scrape.
                logger.warning("metrics collector %s failed: %s", name, type(exc).__name__)


def metrics_render() -> bytes:
    """The text a Prometheus scrape reads."""
    counts_send()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SharedCounters())
    registry.register(Registered())
    return generate_latest(registry)
