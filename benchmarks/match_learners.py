"""Benchmark: Match learners for many unlinked records, on a real worker, against a rate-limited sandbox.

Usage:
    .venv/bin/python benchmarks/match_learners.py [--learners 5000] [--rate-limit 50] [--latency-ms 30]

Creates MATCH000001.. unlinked records (a third of them with a bksb user under
their email, a sixth under their reference), starts the bksb sandbox (a
subprocess) with that per-key rate limit and latency, and one plain Celery
worker on Redis, forgets every remembered username answer, and runs Match
learners for all unlinked records as a person would start it. Prints the
requests made, requests per record, the share of the limit reached, and the
suggestions found. Uses DATABASE_URL / REDIS_URL if set, otherwise a
bksbmis_bench_match database on the local PostgreSQL and Redis db 9.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.support import (  # noqa: E402
    cpu_seconds_tree,
    database_ensure,
    integration_point_at,
    production_env,
    sandbox_start,
    worker_start,
)

production_env("bksbmis_bench_match")


PREFIX = "MATCH"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark Match learners.")
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--rate-limit", type=float, default=50.0, help="requests/s")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    return parser.parse_args()


def _email(n: int) -> str:
    return f"ann.lee{n}@college.ac.uk"


def _records_ensure(count: int) -> None:
    """MATCH000001.. : Live, in learning, not linked (bulk; the previous run's links undone)."""
    from django.db import connection

    from learners.models import Learner
    from learners.search_text import search_text_refresh

    with connection.cursor() as cur:
        cur.execute("TRUNCATE bksb_link, bksb_username_probe, bksb_match_suggestion CASCADE")
    Learner.objects.filter(learner_ref__startswith=PREFIX).update(bksb_user=False, bksb_username="")
    have = set(Learner.objects.filter(learner_ref__startswith=PREFIX).values_list("learner_ref", flat=True))
    rows = [
        Learner(learner_ref=f"{PREFIX}{n:06d}", first_name="Ann", last_name=f"Lee{n}", email=_email(n))
        for n in range(1, count + 1)
        if f"{PREFIX}{n:06d}" not in have
    ]
    Learner.objects.bulk_create(rows, batch_size=2000)
    Learner.objects.filter(learner_ref__startswith=PREFIX, learner_ref__gt=f"{PREFIX}{count:06d}").delete()
    search_text_refresh(learner_ids=Learner.objects.filter(learner_ref__startswith=PREFIX).values_list("pk", flat=True))


def _sandbox(args: argparse.Namespace, key: str, secret: str) -> tuple[subprocess.Popen, str]:
    import requests

    proc, url = sandbox_start(key=key, secret=secret, users=0, latency_ms=args.latency_ms, rate_limit=args.rate_limit)
    users = [{"Username": _email(n)} for n in range(1, args.learners + 1) if n % 3 == 0]
    users += [{"Username": f"{PREFIX}{n:06d}"} for n in range(1, args.learners + 1) if n % 6 == 1]
    requests.post(url + "_sandbox/users", json=users, timeout=30).raise_for_status()
    requests.post(url + "_sandbox/reset-stats", timeout=5)
    return proc, url


def _worker() -> subprocess.Popen[bytes]:
    return worker_start("--hostname=benchmatch@%h")


def _run(url: str, worker: subprocess.Popen, limit: float) -> None:
    import requests

    from bksb_integration.matching.match_job import bksb_match_start, unlinked_ids
    from bksb_integration.models import MatchSuggestion

    ids = unlinked_ids()
    cpu_before = cpu_seconds_tree(worker.pid)
    started = time.perf_counter()
    job = bksb_match_start(learner_ids=ids, started_by=None)
    while not job.is_finished:
        time.sleep(0.5)
        job.refresh_from_db()
    wall = time.perf_counter() - started
    stats = requests.get(url + "_sandbox/stats", timeout=5).json()
    cpu = cpu_seconds_tree(worker.pid) - cpu_before
    records = max(job.total, 1)
    made = stats["requests"]
    totals = job.totals
    preticked = MatchSuggestion.objects.filter(job=job, preselected=True).count()
    print(f"\n== Match learners, {job.total} unlinked records, limit {limit:g} requests/s ==")
    print(f"job                 {job.get_status_display()}: {job.message}")
    print(f"requests            {made} ({made / records:.2f} per record; the run counted {totals.get('requests')})")
    print(f"wall time           {wall:.1f} s")
    print(f"requests per second {made / wall:.1f} = {made / wall / limit:.0%} of the {limit:g}/s limit")
    print(f"429s received       {stats.get('throttled_429', 0)}")
    print(f"bksb concurrency    {stats.get('max_concurrency', 0)} requests in flight at most")
    print(f"suggestions         {totals.get('suggestions', 0)} for {totals.get('records_found', 0)} records")
    print(f"pre-ticked          {preticked}")
    print(f"worker CPU          {cpu * 1000 / records:.1f} ms per record")


def main() -> None:
    args = _args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _records_ensure(args.learners)
    key, secret = "bench-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    sandbox, url = _sandbox(args, key, secret)
    integration_point_at(url, key, secret, args.rate_limit)
    worker = _worker()
    try:
        time.sleep(4)  # the worker connects to Redis
        _run(url, worker, args.rate_limit)
    finally:
        for proc in (worker, sandbox):
            proc.send_signal(signal.SIGTERM)
        for proc in (worker, sandbox):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
