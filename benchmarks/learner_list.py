"""Benchmark: the staff learner list with many learners.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench \
    python benchmarks/learner_list.py [--learners 50000]

Fills the configured database (migrating it first) up to the given number of
learners, then times the list page as a logged-in tutor would load it: plain,
searched by name, filtered, a deep page, and an htmx search. Prints the median
and worst time of repeated requests and the number of queries each page ran.
Then the CSV download of every learner (streamed): the time to its first byte
and to its last, and its queries (--csv-repeat times; 0 skips it).
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

from learners.demo import demo_seed  # noqa: E402
from learners.models import Learner  # noqa: E402

CASES = [
    ("first page", {}),
    ("search by surname", {"q": "patel"}),
    ("search two words", {"q": "amira khan"}),
    ("search by reference", {"q": "L0049"}),
    ("filtered statuses", {"system_status": "live", "learning_status": "withdrawn", "kind": "learner"}),
    ("page 500", {"page": "500"}),
]


def _fill(total: int) -> None:
    have = Learner.objects.count()
    if have >= total:
        return
    print(f"Seeding {total} learners (have {have})...", flush=True)
    demo_seed(learners=total)


def _measure(client: Client, params: dict[str, str], repeat: int, htmx: bool) -> tuple[float, float, int]:
    times = []
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get("/learners/", params, **headers)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), max(times), len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--csv-repeat", type=int, default=2)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    _fill(args.learners)
    from django.contrib.auth import get_user_model

    tutor = get_user_model().objects.get(username="tutor")
    client = Client()
    client.force_login(tutor)
    client.get("/learners/")  # warm up connections and template caches

    print(f"database: {connection.vendor}, learners: {Learner.objects.count()}")
    print(f"{'case':<24}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, params in CASES:
        median, worst, queries = _measure(client, params, args.repeat, htmx=False)
        print(f"{name:<24}{median:>10.1f}{worst:>10.1f}{queries:>9}")
    median, worst, queries = _measure(client, {"q": "patel"}, args.repeat, htmx=True)
    print(f"{'htmx search (table)':<24}{median:>10.1f}{worst:>10.1f}{queries:>9}")
    for _ in range(args.csv_repeat):
        _measure_csv(client)


def _measure_csv(client: Client) -> None:
    """The whole list as CSV: time to the first chunk (the header and the first batch) and to the end."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get("/learners/export.csv")
        chunks = iter(response.streaming_content)
        next(chunks)
        first = time.perf_counter() - start
        size = sum(len(chunk) for chunk in chunks)
        total = time.perf_counter() - start
    print(
        f"CSV of every learner: first chunk {first * 1000:.0f} ms, all {total:.1f} s, {size / 1e6:.1f} MB, "
        f"{len(queries.captured_queries)} queries"
    )


if __name__ == "__main__":
    main()
