"""Benchmark: the Create bksb users job against a bksb limited to a few requests a second.

Usage:
    .venv/bin/python benchmarks/create_users.py [--records 500] [--rate-limit 4] [--budget 4] [--latency-ms 30]
        [--all-rules]

Starts the bksb sandbox (a subprocess) with a per-key rate limit, points the integration at it with the
request budget set to --budget requests/s (Redis), makes --records new eligible records, and runs one
Create bksb users job over them in this process (as `bksb_create_user --all-unlinked` does). Matching asks
one name a record (its email) unless --all-rules. Prints users created (and whether any twice), requests,
429s, the rate bksb saw, and the time. Uses DATABASE_URL / REDIS_URL if set, otherwise a
bksbmis_bench_create database on the local PostgreSQL and Redis db 9.
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
from benchmarks.support import database_ensure, integration_point_at, production_env, sandbox_start  # noqa: E402

production_env("bksbmis_bench_create", eager=True)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark Create bksb users against a rate-limited bksb.")
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--rate-limit", type=float, default=4.0, help="bksb's limit, requests/s")
    parser.add_argument("--budget", type=float, default=4.0, help="the integration's request budget, requests/s")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--all-rules", action="store_true", help="matching's every built-in rule, not the email alone")
    return parser.parse_args()


def main() -> None:
    args = _args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import requests
    from django.core.management import call_command

    from bksb_integration.creation.users_job import bksb_users_create_start
    from bksb_integration.models import BksbSettings
    from jobs.models import Job
    from jobs.services import job_run
    from learners.models import Learner
    from learners.search_text import search_text_refresh

    call_command("migrate", verbosity=0)
    key, secret = "bench-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    sandbox, url = sandbox_start(
        key=key, secret=secret, users=10, latency_ms=args.latency_ms, rate_limit=args.rate_limit
    )
    try:
        integration_point_at(url, key, secret, args.budget)
        settings = BksbSettings.load()
        settings.default_password = "Bench-" + secrets.token_urlsafe(12)
        settings.match_builtins = settings.match_builtins if args.all_rules else ["email"]
        settings.save()
        Learner.objects.filter(learner_ref__startswith="CREATE").delete()
        run_tag = secrets.token_hex(3)
        learners = [
            Learner(
                learner_ref=f"CREATE{n:06d}",
                first_name="Bench",
                last_name=f"Create{run_tag}{n}",
                email=f"bench.create.{run_tag}.{n}@example.ac.uk",
                date_of_birth="2004-05-17",
                system_status="live",
                learning_status="in_learning",
            )
            for n in range(1, args.records + 1)
        ]
        Learner.objects.bulk_create(learners, batch_size=1000)
        ids = list(Learner.objects.filter(learner_ref__startswith="CREATE").values_list("pk", flat=True))
        search_text_refresh(learner_ids=ids)
        requests.post(url + "_sandbox/reset-stats", timeout=5)
        started = time.perf_counter()
        job = bksb_users_create_start(learner_ids=ids, started_by=None)
        job_run(job_id=job.pk)
        job.refresh_from_db()
        while not job.is_finished:
            time.sleep(1)
            job.refresh_from_db()
        wall = time.perf_counter() - started
        stats = requests.get(url + "_sandbox/stats", timeout=5).json()
        made = requests.get(url + "_sandbox/users", timeout=5).json()
        names = [user["Username"] for user in (made if isinstance(made, list) else made.get("users", []))]
        created = [item for item in job.items.values_list("outcome", flat=True) if item == "created"]
        refused_429 = stats.get("throttled_429", 0)
        print(
            f"\n== Create bksb users: {args.records} records, bksb limited to {args.rate_limit:g}/s, "
            f"budget {args.budget:g}/s =="
        )
        print(f"job                 {Job.Status(job.status).label}: {job.message}")
        twice = len(names) - len(set(names))
        print(
            f"users created       {len(created)} of {args.records}; bksb holds {len(names)} new users, "
            f"{twice} name(s) twice"
        )
        print(
            f"requests            {stats['requests']} ({stats['requests'] / args.records:.2f} per record), "
            f"{refused_429} x 429 (sent again after Retry-After)"
        )
        print(f"wall time           {wall:.0f} s")
        print(f"rate bksb saw       {stats['requests'] / wall:.2f} requests/s (limit {args.rate_limit:g}/s)")
    finally:
        sandbox.send_signal(signal.SIGTERM)
        try:
            sandbox.wait(timeout=15)
        except subprocess.TimeoutExpired:
            sandbox.kill()


if __name__ == "__main__":
    main()
