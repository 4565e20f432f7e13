"""Benchmark: the learner list filtered, sorted and exported by bksb level, and the cohort report.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_reports \
    python benchmarks/learner_levels.py [--learners 50000] [--repeat 15] [--only list|report]

Fills the configured database (migrating it first) with the demo's learners, nine in ten
with a bksb user and 18 results (810,000 results at 50,000 learners; benchmarks/levels_data.py),
builds the levels summary with the product's own recomputation, then times, as a logged-in
tutor would load them, the learner list with level filters (and a level sort) and
Management > BKSB > Reports for several cohorts. Prints the median and worst time of
repeated requests, the number of queries each page ran, and its CPU time (this process and
its PostgreSQL server process, which runs on this machine), the figure that does not grow
when other work shares the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
# The embedded defaults (keys made under ./var), as `make demo` runs them.
os.environ.setdefault("DEBUG", "True")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.levels_data import learners_ensure, results_ensure  # noqa: E402
from learners.models import Learner  # noqa: E402

LIST_CASES = [
    ("no filter", {}),
    ("maths below Level 1", {"bksb_maths": "below_level_1"}),
    ("English Entry 3 or below", {"bksb_english": "entry_3_or_below"}),
    ("no initial assessment yet", {"bksb_initial": "none"}),
    ("has unmapped results", {"bksb_unmapped": "yes"}),
    ("maths below L1, page 100", {"bksb_maths": "below_level_1", "page": "100"}),
    ("maths L1 + in learning", {"bksb_maths": "level_1", "learning_status": "in_learning"}),
    ("funding flag (maths)", {"bksb_flag": "maths_entitlement"}),
    ("sorted by maths level", {"sort": "bksb_maths_low"}),
]
REPORT_CASES = [
    ("everyone", {}),
    ("started in the last year", {"start_from": "{year_ago}"}),
    ("in learning, learners", {"learning_status": "in_learning", "kind": "learner"}),
    ("maths below Level 1", {"bksb_maths": "below_level_1"}),
]


def _summary_ensure() -> None:
    from bksb_integration.levels.summary import learners_with_results, levels_refresh
    from bksb_integration.models import LearnerLevel

    if LearnerLevel.objects.exists():
        return
    started = time.perf_counter()
    ids = learners_with_results()
    print(f"Building the levels summary for {len(ids)} learners...", flush=True)
    levels_refresh(learner_ids=ids, reason="benchmark")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE bksb_learner_level")
    print(f"  {LearnerLevel.objects.count()} summary rows in {time.perf_counter() - started:.1f} s", flush=True)


def _backend_cpu_ms() -> float:
    """CPU time the database server's process for this connection has used so far (PostgreSQL here)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _measure(client: Client, path: str, params: dict[str, str], repeat: int) -> tuple[float, float, int, float]:
    """Wall time (median, worst) and queries of a page, then its CPU time (web + database, median)
    measured again with the database's parallel workers off, so that all of its CPU is counted:
    on a machine shared with other work, wall time waits for the CPU and CPU time does not."""
    times, counts = [], set()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        counts.add(len(queries.captured_queries))
    assert len(counts) == 1, f"{path} {params}: the number of queries changed between requests: {counts}"
    cpu = []
    with connection.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
    for _ in range(repeat):
        web, database = time.process_time(), _backend_cpu_ms()
        client.get(path, params)
        cpu.append((time.process_time() - web) * 1000 + _backend_cpu_ms() - database)
    with connection.cursor() as cur:
        cur.execute("RESET max_parallel_workers_per_gather")
    return statistics.median(times), max(times), counts.pop(), statistics.median(cpu)


def _table(client: Client, title: str, path: str, cases: list[tuple[str, dict[str, str]]], repeat: int) -> None:
    print(f"\n{title}")
    print(f"{'case':<30}{'median ms':>10}{'max ms':>10}{'queries':>9}{'CPU ms':>9}")
    for name, params in cases:
        median, worst, queries, cpu = _measure(client, path, params, repeat)
        print(f"{name:<30}{median:>10.1f}{worst:>10.1f}{queries:>9}{cpu:>9.1f}", flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f} (2 cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=["list", "report"])
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    learners_ensure(args.learners)
    results = results_ensure()
    _summary_ensure()
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="tutor"))
    client.get("/learners/")  # warm up connections and template caches
    client.get("/management/bksb/reports/")

    print(f"database: {connection.vendor}, learners: {Learner.objects.count()}, results: {results}")
    if args.only != "report":
        _table(client, "Learner list (/learners/)", "/learners/", LIST_CASES, args.repeat)
    if args.only != "list":
        import datetime as dt

        year_ago = (dt.date.today() - dt.timedelta(days=365)).isoformat()
        cases = [(name, {k: v.format(year_ago=year_ago) for k, v in p.items()}) for name, p in REPORT_CASES]
        _table(client, "Cohort report (Management > BKSB > Reports)", "/management/bksb/reports/", cases, args.repeat)


if __name__ == "__main__":
    main()
