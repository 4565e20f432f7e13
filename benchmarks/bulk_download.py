"""Benchmark: Get Results for many learners with real workers, PostgreSQL and Redis.

Usage:
    .venv/bin/python benchmarks/bulk_download.py [--learners 2000] [--latency-ms 30] [--rate-limit 200]
        [--workers 2] [--concurrency N] [--pool threads|prefork] [--command] [--sequential-sample 300]

Starts the bksb sandbox (a subprocess) with the chosen users, latency and
per-key rate limit, points the integration at it, starts real Celery workers
on Redis (started the plain way, so they take the project's own pool and
concurrency unless --pool/--concurrency say otherwise), runs Get Results,
then an incremental one straight after, then times a plain
one-learner-at-a-time loop for comparison. With --command the runs are
`manage.py bksb_get_results --all` in the foreground instead of workers.
Each run prints the CPU milliseconds per learner of the processes doing the
downloads, and (for workers) their database queries per learner. Uses
DATABASE_URL / REDIS_URL if set, otherwise a bksbmis_bench_bulk database on
the local PostgreSQL and Redis db 9.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.support import (  # noqa: E402
    cpu_seconds_tree,
    database_ensure,
    integration_point_at,
    learners_ensure,
    peak_rss_tree_mb,
    production_env,
    results_forget,
    sandbox_start,
    worker_start,
)

production_env("bksbmis_bench_bulk")

from benchmarks.counting_worker import QUERY_COUNT_KEY  # noqa: E402


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark Get Results.")
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--rate-limit", type=float, default=200.0, help="requests/s; 0 = no limit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=0, help="threads per worker (0 = the project's setting)")
    parser.add_argument("--pool", default="", choices=["", "threads", "prefork"], help="Celery pool ('' = setting)")
    parser.add_argument("--command", action="store_true", help="run bksb_get_results --all instead of workers")
    parser.add_argument("--sequential-sample", type=int, default=300, help="learners timed sequentially (0 = all)")
    parser.add_argument("--skip-sequential", action="store_true")
    return parser.parse_args()


def _sandbox(args: argparse.Namespace, key: str, secret: str) -> tuple[subprocess.Popen[bytes], str]:
    return sandbox_start(
        key=key, secret=secret, users=args.learners, latency_ms=args.latency_ms, rate_limit=args.rate_limit
    )


def _workers(args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    options = [f"--pool={args.pool}"] if args.pool else []
    options += [f"--concurrency={args.concurrency}"] if args.concurrency else []
    return [
        worker_start(*options, f"--hostname=bench{n}@%h", app="benchmarks.counting_worker") for n in range(args.workers)
    ]


def _sandbox_stats(url: str) -> dict[str, Any]:
    import requests

    stats: dict[str, Any] = requests.get(url + "_sandbox/stats", timeout=5).json()
    return stats


def _queries_seen() -> int:
    import redis

    return int(redis.Redis.from_url(os.environ["REDIS_URL"]).get(QUERY_COUNT_KEY) or 0)


def _run_with_workers(url: str, workers: list[subprocess.Popen], label: str) -> float:
    import requests

    from bksb_integration.models import Run
    from bksb_integration.sync.get_results import get_results_start

    requests.post(url + "_sandbox/reset-stats", timeout=5)
    cpu_before, queries_before = sum(cpu_seconds_tree(w.pid) for w in workers), _queries_seen()
    started = time.perf_counter()
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.COMMAND)
    peak = 0.0
    while True:
        time.sleep(0.5)
        peak = max(peak, max(peak_rss_tree_mb(w.pid) for w in workers))
        run.refresh_from_db()
        if run.finished_at is not None:
            break
    wall = time.perf_counter() - started
    time.sleep(1)  # the workers' query counters flush every half second
    cpu = sum(cpu_seconds_tree(w.pid) for w in workers) - cpu_before
    queries = _queries_seen() - queries_before
    _report(label, run, wall, _sandbox_stats(url), peak, cpu=cpu, queries=queries)
    return wall


def _run_in_foreground(url: str, label: str) -> float:
    """`manage.py bksb_get_results --all` in a process of its own, measured like the workers."""
    import requests

    from bksb_integration.models import Run

    requests.post(url + "_sandbox/reset-stats", timeout=5)
    started = time.perf_counter()
    command = [sys.executable, "manage.py", "bksb_get_results", "--all", "--json"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = cpu = 0.0
    while proc.poll() is None:
        peak = max(peak, peak_rss_tree_mb(proc.pid))
        cpu = max(cpu, cpu_seconds_tree(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    run = Run.objects.filter(kind=Run.Kind.GET_RESULTS).order_by("-pk").first()
    _report(label, run, wall, _sandbox_stats(url), peak, cpu=cpu, queries=None)
    return wall


def _report(
    label: str, run: Any, wall: float, stats: dict[str, Any], peak: float, *, cpu: float, queries: int | None
) -> None:
    from bksb_integration.models import BksbSettings

    limit = BksbSettings.load().requests_per_second
    requests_seen = stats["requests"]
    stored = run.results_created + run.results_updated
    learners = max(run.learners_total, 1)
    print(f"\n== {label} ==")
    print(f"learners            {run.learners_total} ({run.learners_failed} failed, {run.learners_skipped} skipped)")
    print(f"requests            {requests_seen} ({requests_seen / learners:.2f} per learner)")
    print(f"  for sessions      {run.session_requests} session lists, {run.eoa_requests} per-skill reports")
    print(f"results stored      {stored} new or changed, {run.results_unchanged} unchanged")
    print(f"wall time           {wall:.1f} s")
    print(f"learners per second {run.learners_total / wall:.1f}")
    rps = requests_seen / wall
    if limit < 1e5:
        print(f"requests per second {rps:.1f} = {rps / limit:.0%} of the {limit:g}/s limit")
    else:
        print(f"requests per second {rps:.1f} (no limit)")
    print(f"results per second  {stored / wall:.0f}")
    print(f"429s received       {stats.get('throttled_429', 0)}")
    print(f"bksb concurrency    {stats.get('max_concurrency', 0)} requests in flight at most")
    print(f"peak memory         {peak:.0f} MB (RSS high-water mark, largest downloading process)")
    print(f"CPU                 {cpu * 1000 / learners:.1f} ms per learner ({cpu:.1f} s in all, downloading processes)")
    if queries is not None:
        print(f"database queries    {queries / learners:.1f} per learner (workers)")


def _sequential(key: str, secret: str, url: str, sample: int) -> float:
    from bksb_integration.sync.foreground import learner_download_foreground
    from learners.models import Learner

    learners = Learner.objects.filter(learner_ref__startswith="BENCH").order_by("pk")
    total = learners.count()
    chosen = list(learners[:sample] if sample else learners)
    started = time.perf_counter()
    for learner in chosen:
        learner_download_foreground(learner=learner)
    elapsed = time.perf_counter() - started
    estimate = elapsed * total / len(chosen)
    note = "" if len(chosen) == total else f" (timed {len(chosen)}, extrapolated to {total})"
    print("\n== sequential loop, one learner at a time, in one process ==")
    print(f"wall time           {estimate:.1f} s{note}")
    print(f"learners per second {len(chosen) / elapsed:.1f}")
    return estimate


def main() -> None:
    args = _args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    key, secret = "bench-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    learners_ensure(args.learners)
    results_forget()
    sandbox, url = _sandbox(args, key, secret)
    integration_point_at(url, key, secret, args.rate_limit or 1e6)
    workers = [] if args.command else _workers(args)
    try:
        if args.command:
            first_wall = _run_in_foreground(url, "Get Results, first run (bksb_get_results --all, foreground)")
            _run_in_foreground(url, "incremental run straight after (nothing new in bksb)")
        else:
            time.sleep(4)  # workers connect to Redis
            shape = f"{args.workers} workers, pool {args.pool or 'as set'}, concurrency {args.concurrency or 'as set'}"
            first_wall = _run_with_workers(url, workers, f"Get Results, first run ({shape})")
            _run_with_workers(url, workers, "incremental run straight after (nothing new in bksb)")
        if not args.skip_sequential:
            results_forget()
            estimate = _sequential(key, secret, url, args.sequential_sample)
            print(f"\nspeed-up of Get Results over the sequential loop: {estimate / first_wall:.1f}x")
    finally:
        for proc in [*workers, sandbox]:
            proc.send_signal(signal.SIGTERM)
        for proc in [*workers, sandbox]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
