"""Benchmark: one pass of the watch list over many watched records, then a nightly incremental run.

Usage:
    .venv/bin/python benchmarks/watch_pass.py [--records 2000] [--latency-ms 30] [--rate-limit 200] [--threads 8]

Starts the bksb sandbox (a subprocess), puts every record on the watch list
by hand, and runs `manage.py bksb_get_results --watch --json` (the same run,
download code and shared request budget the beat schedule's pass uses, in the
foreground) twice: the first pass is each record's first poll (its first
download, its sessions and their skills); the second, "M minutes later", is
what every later pass costs. It prints requests per record and the share of
the request limit a pass every M minutes takes, at the benchmark's limit and
at the project's default limit. Then a Get Results run straight after (as the
night would) shows the incremental cost per learner: 2 requests (its two
result lists) when nothing is new. Uses DATABASE_URL / REDIS_URL if set,
otherwise a bksbmis_bench_watch database and Redis db 9.
"""

from __future__ import annotations

import argparse
import json
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
    production_env,
    results_forget,
    sandbox_start,
)

production_env("bksbmis_bench_watch")


DEFAULT_LIMIT = 10.0  # requests per second: BksbSettings.requests_per_second's default


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark a watch list pass.")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--rate-limit", type=float, default=200.0, help="requests/s; 0 = no limit")
    parser.add_argument("--threads", type=int, default=8)
    return parser.parse_args()


def _sandbox(args: argparse.Namespace, key: str, secret: str) -> tuple[subprocess.Popen[bytes], str]:
    return sandbox_start(
        key=key, secret=secret, users=args.records, latency_ms=args.latency_ms, rate_limit=args.rate_limit
    )


def _command(url: str, *args: str) -> tuple[dict[str, Any], dict[str, Any], float, float]:
    """Run bksb_get_results in a process of its own: (its --json figures, bksb's counts, wall s, CPU s)."""
    import requests

    requests.post(url + "_sandbox/reset-stats", timeout=5)
    started = time.perf_counter()
    command = [sys.executable, "manage.py", "bksb_get_results", *args, "--json"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    cpu = 0.0
    while proc.poll() is None:
        cpu = max(cpu, cpu_seconds_tree(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    output = proc.stdout.read() if proc.stdout else ""
    stats: dict[str, Any] = requests.get(url + "_sandbox/stats", timeout=5).json()
    return json.loads(output or "{}"), stats, wall, cpu


def _watch_pass(url: str, label: str, *, limit: float, interval_minutes: int, threads: str) -> None:
    figures, stats, wall, cpu = _command(url, "--watch", "--threads", threads)
    records = max(figures.get("learners", 0), 1)
    sent = stats["requests"]
    budget = interval_minutes * 60
    print(f"\n== {label} ==")
    print(f"records polled      {figures.get('learners', 0)} ({len(figures.get('failed', []))} failed)")
    print(f"requests            {sent} ({sent / records:.2f} per record)")
    print(
        f"  for sessions      {figures.get('session_requests', 0)} session lists, {figures.get('eoa_requests', 0)} "
        "per-skill reports"
    )
    print(f"results stored      {figures.get('results_created', 0)} new")
    print(f"still watched       {figures.get('still_watched', 0)}")
    print(f"wall time           {wall:.1f} s ({records / wall:.0f} records per second)")
    print(f"CPU                 {cpu * 1000 / records:.1f} ms per record (the command's process)")
    print(
        f"share of the limit  a pass every {interval_minutes} min takes {sent / (limit * budget):.1%} of the "
        f"{limit:g}/s limit; {sent / (DEFAULT_LIMIT * budget):.1%} of the default {DEFAULT_LIMIT:g}/s"
    )


def main() -> None:
    args = _args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bksb_integration.models import BksbSettings, WatchEntry
    from learners.models import Learner

    call_command("migrate", verbosity=0)
    key, secret = "bench-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    learners_ensure(args.records)
    results_forget()
    sandbox, url = _sandbox(args, key, secret)
    integration_point_at(url, key, secret, args.rate_limit or 1e6)
    settings = BksbSettings.load()
    limit, interval = settings.requests_per_second, settings.watch_interval_minutes
    learners = Learner.objects.filter(learner_ref__startswith="BENCH").values_list("pk", flat=True)
    WatchEntry.objects.bulk_create(
        [
            WatchEntry(learner_id=pk, reason=WatchEntry.Reason.BY_HAND, since=django.utils.timezone.now())
            for pk in learners
        ]
    )
    threads = str(args.threads)
    rates = {"limit": limit, "interval_minutes": interval, "threads": threads}
    try:
        _watch_pass(url, "watch pass, each record's first poll", **rates)
        WatchEntry.objects.update(last_polled_at=None)  # as if M minutes had passed
        _watch_pass(url, "watch pass, M minutes later (every later pass)", **rates)
        figures, stats, wall, _ = _command(url, "--all", "--threads", threads)
        learners_total = max(figures.get("learners", 0), 1)
        print("\n== nightly Get Results straight after (nothing new in bksb) ==")
        print(f"learners            {figures.get('learners', 0)}")
        print(f"requests            {stats['requests']} ({stats['requests'] / learners_total:.2f} per learner)")
        print(
            f"  for sessions      {figures.get('session_requests', 0)} session lists, "
            f"{figures.get('eoa_requests', 0)} per-skill reports"
        )
        print(f"wall time           {wall:.1f} s")
    finally:
        sandbox.send_signal(signal.SIGTERM)
        try:
            sandbox.wait(timeout=15)
        except subprocess.TimeoutExpired:
            sandbox.kill()


if __name__ == "__main__":
    main()
