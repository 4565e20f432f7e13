"""Benchmark: a BKSB Results click while Get Results runs at the limit. When does bksb see its first request?

Usage:
    .venv/bin/python benchmarks/staff_first.py [--learners 1500] [--latency-ms 30] [--rate-limit 200]
        [--workers 2] [--clicks 5] [--first-click-after 3] [--between-clicks 10] [--trigger scheduled|manual]
        [--no-staff-worker]

Starts the bksb sandbox (a subprocess noting when bksb first sees each clicked learner's request,
benchmarks/arrivals_sandbox.py), real Celery workers on Redis as deployed (two plain workers, which consume
both queues, and a small one for the staff queue as docker-compose.yml's worker-now; --no-staff-worker leaves
it out), and a Get Results run of --learners learners (the nightly one, or with --trigger manual one started
by hand, which has a person's priority too). Once the run is at the limit, it clicks BKSB Results for a
learner outside the run, --clicks times, --between-clicks seconds apart, and prints for each click when bksb
saw its first request and when its download finished, then the run's own figures. Uses DATABASE_URL /
REDIS_URL if set, otherwise a bksbmis_bench_staff database on the local PostgreSQL and Redis db 9.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.support import (  # noqa: E402
    database_ensure,
    integration_point_at,
    learners_ensure,
    production_env,
    results_forget,
    sandbox_start,
    worker_start,
)

production_env("bksbmis_bench_staff")


VAR = Path(os.environ["VAR_DIR"])
MARKERS, ARRIVALS = VAR / "staff-first-markers.txt", VAR / "staff-first-arrivals.txt"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark a BKSB Results click during Get Results at the limit.")
    parser.add_argument("--learners", type=int, default=1500)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--rate-limit", type=float, default=200.0, help="requests/s (the sandbox's and the budget's)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clicks", type=int, default=5)
    parser.add_argument("--first-click-after", type=float, default=3.0, help="seconds after Get Results starts")
    parser.add_argument("--between-clicks", type=float, default=10.0)
    parser.add_argument("--trigger", choices=["scheduled", "manual"], default="scheduled")
    parser.add_argument("--no-staff-worker", action="store_true", help="no worker of its own for the staff queue")
    return parser.parse_args()


def _sandbox(args: argparse.Namespace, key: str, secret: str) -> tuple[subprocess.Popen[bytes], str]:
    markers = {"BENCH_ARRIVAL_MARKERS": str(MARKERS), "BENCH_ARRIVAL_FILE": str(ARRIVALS)}
    users = args.learners + args.clicks
    return sandbox_start(
        key=key,
        secret=secret,
        users=users,
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        script="benchmarks/arrivals_sandbox.py",
        env=markers,
    )


def _workers(args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    shapes = [[f"--hostname=bench{n}@%h"] for n in range(args.workers)]
    if not args.no_staff_worker:
        shapes.append(["-Q", "bksb_now", "--concurrency=2", "--hostname=bench-now@%h"])
    return [worker_start(*shape) for shape in shapes]


def _arrivals() -> dict[str, float]:
    first: dict[str, float] = {}
    if ARRIVALS.exists():
        for line in ARRIVALS.read_text().splitlines():
            name, at = line.split()
            first.setdefault(name, float(at))
    return first


def _click(number: int):  # type: ignore[no-untyped-def]
    """BKSB Results for a learner outside the run (made now, after the run was planned), as the tab's button."""
    from bksb_integration.models import Run
    from bksb_integration.sync.runs import bksb_results_start
    from learners.models import Learner
    from learners.search_text import search_text_refresh

    username = f"demo.learner{number:04d}"
    learner, _ = Learner.objects.update_or_create(
        learner_ref=f"CLICK{number:06d}",
        defaults={"first_name": "Click", "last_name": f"Learner{number}", "bksb_user": True, "bksb_username": username},
    )
    search_text_refresh(learner_ids=[learner.pk])
    with MARKERS.open("a") as out:
        out.write(username + "\n")
    clicked = time.time()
    run, _ = bksb_results_start(learner=learner, started_by=None, trigger=Run.Trigger.MANUAL)
    return username, clicked, run


def main() -> None:
    args = _args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bksb_integration.models import Run
    from bksb_integration.sync.get_results import get_results_start
    from bksb_integration.sync.runs import run_giving_way, run_stop
    from learners.models import Learner

    call_command("migrate", verbosity=0)
    VAR.mkdir(parents=True, exist_ok=True)
    for path in (MARKERS, ARRIVALS):
        path.unlink(missing_ok=True)
    key, secret = "bench-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    Learner.objects.filter(learner_ref__startswith="CLICK").delete()
    learners_ensure(args.learners)
    results_forget()
    Run.objects.filter(finished_at__isnull=True).update(finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ"))
    sandbox, url = _sandbox(args, key, secret)
    integration_point_at(url, key, secret, args.rate_limit)
    workers = _workers(args)
    clicks = []
    try:
        time.sleep(4)  # workers connect to Redis
        trigger = Run.Trigger.SCHEDULED if args.trigger == "scheduled" else Run.Trigger.MANUAL
        started = time.time()
        run, _ = get_results_start(started_by=None, trigger=trigger)
        while not Run.objects.filter(pk=run.pk, planned_at__isnull=False).exists():
            time.sleep(0.2)
        for n in range(args.clicks):
            time.sleep(max(0.0, started + args.first_click_after + n * args.between_clicks - time.time()))
            clicks.append(_click(args.learners + 1 + n))
            run.refresh_from_db()
            done = f"{run.learners_done} of {run.learners_total} learners done"
            print(f"click {n + 1} at {clicks[-1][1] - started:.1f} s into the run ({done})", flush=True)
            time.sleep(0.5)
            print(f"  the run's window: {run_giving_way(run, rate=args.rate_limit) or '(gives way to nobody)'}")
        deadline = time.time() + 600
        while time.time() < deadline:
            finished = [Run.objects.get(pk=c[2].pk).finished_at for c in clicks]
            if all(finished) and len(_arrivals()) == len(clicks):
                break
            time.sleep(0.2)
        seen = _arrivals()
        firsts = []
        print(f"\n== BKSB Results clicks during Get Results ({args.trigger}) of {args.learners} learners ==")
        print(
            f"bksb limit {args.rate_limit:g}/s, latency {args.latency_ms:g} ms, {args.workers} workers"
            f"{'' if args.no_staff_worker else ' + a staff-queue worker'}"
        )
        for n, (username, clicked, click_run) in enumerate(clicks, start=1):
            click_run.refresh_from_db()
            first = seen.get(username)
            done = click_run.finished_at.timestamp() - clicked if click_run.finished_at else float("nan")
            if first is not None:
                firsts.append(first - clicked)
            shown = f"{first - clicked:.2f} s" if first is not None else "never (within 10 minutes)"
            print(f"click {n}: bksb saw its first request after {shown}; its download finished after {done:.2f} s")
        if firsts:
            print(f"first request: {min(firsts):.2f}-{max(firsts):.2f} s, median {statistics.median(firsts):.2f} s")
        run.refresh_from_db()
        stats = __import__("requests").get(url + "_sandbox/stats", timeout=5).json()
        wall = time.time() - started
        print(
            f"the run meanwhile: {run.learners_done} of {run.learners_total} learners in {wall:.0f} s, "
            f"{stats['requests'] / wall:.0f} requests/s to bksb, {stats.get('throttled_429', 0)} x 429"
        )
    finally:
        if clicks:
            run_stop(run_id=run.pk, reason="Stopped by the benchmark.")
        for proc in [*workers, sandbox]:
            proc.send_signal(signal.SIGTERM)
        for proc in [*workers, sandbox]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
