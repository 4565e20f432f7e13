"""Benchmark: how fast downloaded results are written (the storage path alone).

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_store \\
    .venv/bin/python benchmarks/results_store.py [--learners 2000] [--per-learner 40]

Feeds results_upsert exactly what a download hands it (pages of parsed results,
one transaction per learner, as download.py does), with no HTTP, and prints
results stored per second: first as new rows, then again as unchanged rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bksbmis_bench_store")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
# The embedded defaults (keys made under ./var), as `make demo` runs them.
os.environ.setdefault("DEBUG", "True")

from benchmarks.support import database_ensure  # noqa: E402


def _pages(user_id: int, count: int):
    from bksb_integration.api.types import AssessmentResult

    base = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
    items = []
    for n in range(count):
        raw = {"SessionId": n + 1, "AssessmentID": 50000 + n % 2, "Result": "Maths Entry 3", "Extra": "x"}
        items.append(
            AssessmentResult(
                kind="initial",
                session_id=n + 1,
                assessment_id=50000 + n % 2,
                course_subject="MATHS_NEW",
                course_name="Maths Functional Skills",
                assessment_name="Maths Initial Assessment",
                result=("Maths Entry 3", "Maths Level 1", "English Level 2")[n % 3],
                result_date=base - dt.timedelta(days=n),
                percent_score=None,
                raw=raw,
            )
        )
    return [items[i : i + 100] for i in range(0, len(items), 100)]


def _store(learners, per_learner: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from bksb_integration.config.mapping import Mapper
    from bksb_integration.sync.download import commits_without_waiting
    from bksb_integration.sync.results_store import results_upsert

    mapper = Mapper.load()
    stored = 0
    started = time.perf_counter()
    for learner in learners:
        with commits_without_waiting(), transaction.atomic():
            for page in _pages(2_000_000 + learner.pk, per_learner):
                counts = results_upsert(
                    kind="initial",
                    learner_id=learner.pk,
                    bksb_user_id=2_000_000 + learner.pk,
                    results=page,
                    mapper=mapper,
                    now=timezone.now(),
                )
                stored += counts.created + counts.updated + counts.unchanged
    return stored / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the results storage path.")
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--per-learner", type=int, default=40)
    args = parser.parse_args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.support import learners_ensure

    call_command("migrate", verbosity=0)
    learners_ensure(args.learners)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bksb_initial_assessment_result")
    from learners.models import Learner

    learners = list(Learner.objects.filter(learner_ref__startswith="BENCH").order_by("pk")[: args.learners])
    total = len(learners) * args.per_learner
    print(f"database: {connection.vendor}; {len(learners)} learners x {args.per_learner} results = {total}")
    print(f"new results stored       {_store(learners, args.per_learner):,.0f} per second")
    print(f"unchanged results check  {_store(learners, args.per_learner):,.0f} per second")


if __name__ == "__main__":
    main()
