"""Benchmark: the unmatched report (Management > BKSB > Unmatched) with many learners.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_unmatched \
    python benchmarks/unmatched_report.py [--learners 50000]

Seeds the demo learners (about one in two a BKSB User), then marks some as the
downloads would: one in 50 BKSB Users with a username bksb does not know, one in
200 with a bksb user id that stopped resolving, one in 70 failing in each of three
Get Results runs. Times the report as a manager loads it (first page, a deep
page, one kind, the bksb summary page with its counts, the whole CSV) and prints
the queries each ran: the same whatever the page holds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
os.environ.setdefault("DEBUG", "True")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.support import page_timing  # noqa: E402
from bksb_integration.models import BksbLink, BksbSettings, Run, RunLearner, Unmatched  # noqa: E402
from learners.demo import demo_seed  # noqa: E402
from learners.models import Learner  # noqa: E402
from learners.search_text import search_text_refresh  # noqa: E402

CASES = [
    ("first page", "/management/bksb/unmatched/", {}),
    ("page 20", "/management/bksb/unmatched/", {"page": "20"}),
    ("one kind", "/management/bksb/unmatched/", {"kind": "failing"}),
    ("bksb summary page", "/integrations/bksb/", {}),
]


def _fill(total: int) -> None:
    if Learner.objects.count() < total:
        print(f"Seeding {total} learners...", flush=True)
        demo_seed(learners=total)
    if Run.objects.filter(kind=Run.Kind.GET_RESULTS).count() >= 3:
        return
    with transaction.atomic():
        ids = list(Learner.objects.order_by("pk").values_list("pk", flat=True))
        users = ids[::2]
        Learner.objects.filter(pk__in=users, bksb_username="").update(bksb_username="bench.name")
        search_text_refresh(learner_ids=users)
        Learner.objects.filter(pk__in=users).update(bksb_user=True)
        unknown, lost = set(users[::50]), set(users[1::200])
        links = [
            BksbLink(
                learner_id=pk,
                bksb_user_id=5_000_000 + pk,
                resolved_username="bench.name",
                unmatched=Unmatched.USERNAME_NOT_FOUND
                if pk in unknown
                else Unmatched.USER_ID_LOST
                if pk in lost
                else "",
                unmatched_username="bench.name" if pk in unknown else "",
            )
            for pk in users
        ]
        BksbLink.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
        now = timezone.now()
        for _ in range(3):
            run = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.PARTIAL, finished_at=now)
            parts = [
                RunLearner(
                    run=run,
                    learner_id=pk,
                    status=RunLearner.Status.FAILED if n % 70 == 0 else RunLearner.Status.SUCCEEDED,
                )
                for n, pk in enumerate(users)
            ]
            RunLearner.objects.bulk_create(parts, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    _fill(args.learners)
    settings = BksbSettings.load()
    settings.integration_enabled = True
    settings.save()
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    client = Client()
    client.force_login(manager)
    client.get(CASES[0][1])  # warm up connections and template caches

    print(f"database: {connection.vendor}, learners: {Learner.objects.count()}")
    print(f"{'case':<22}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, path, params in CASES:
        median, worst, queries = page_timing(client, path, params, args.repeat)
        print(f"{name:<22}{median:>10.1f}{worst:>10.1f}{queries:>9}")
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/management/bksb/unmatched.csv")
        lines = sum(chunk.count(b"\n") for chunk in answer.streaming_content)
    seconds = time.perf_counter() - start
    print(f"{'CSV export':<22}{seconds * 1000:>10.1f}{'':>10}{len(queries.captured_queries):>9}  ({lines - 1} rows)")


if __name__ == "__main__":
    main()
