"""Benchmark: assessment status on the learner list (column and filter) and the Induction board.

Usage:
    createdb -h 127.0.0.1 -U postgres bksbmis_bench_status
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_status \
    python benchmarks/assessment_status.py [--learners 50000] [--repeat 10]

Migrates the configured database and fills it (once) with the demo learners,
nine in ten of them BKSB Users linked to a bksb user, at every stage of their
initial assessments: invited or not, English and maths sessions unfinished or
finished, and results in. One in ten starts on 7 September 2026: the cohort.
Then times, as a manager loads them, the list's first page (with its Initial
assessments column), the whole list filtered by each stage, and the Induction
board for the cohort and for everyone. Prints the median and worst time and the
number of queries each ran.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
# The embedded defaults (keys made under ./var), as `make demo` runs them.
os.environ.setdefault("DEBUG", "True")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.support import page_timing  # noqa: E402
from bksb_integration.induction.status import FILTER_CHOICES  # noqa: E402
from bksb_integration.induction.status_store import assessment_status_rebuild  # noqa: E402
from bksb_integration.models import (  # noqa: E402
    AssessmentProgress,
    AssessmentSession,
    BksbLink,
    InitialAssessmentResult,
    Invite,
)
from learners.demo import demo_seed  # noqa: E402
from learners.models import Learner  # noqa: E402

COHORT_START = dt.date(2026, 9, 7)
USER_BASE = 5_000_000
BATCH = 5000
SUBJECTS = (("english", "ENG_NEW"), ("maths", "MATHS_NEW"))


def _fill(total: int) -> None:
    if Learner.objects.count() < total:
        print(f"Seeding {total} learners...", flush=True)
        demo_seed(learners=total)
    if BksbLink.objects.filter(bksb_user_id__gte=USER_BASE).exists():
        if not AssessmentProgress.objects.exists():
            assessment_status_rebuild()  # a data set made before the status was stored
        return
    print("Seeding links, invites, sessions and results...", flush=True)
    rng = random.Random(13)
    now = timezone.now()
    ids = list(Learner.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        Learner.objects.filter(pk__in=ids[::10]).update(start_date=COHORT_START)
        users = [pk for pk in ids if pk % 10 != 3]
        Learner.objects.filter(pk__in=users).update(bksb_user=True)
        BksbLink.objects.filter(learner_id__in=users).delete()
        links, invites, sessions, results = [], [], [], []
        for pk in users:
            user_id = USER_BASE + pk
            links.append(BksbLink(learner_id=pk, bksb_user_id=user_id, resolved_at=now))
            if rng.random() < 0.7:
                invites.append(Invite(learner_id=pk, email="x@example.ac.uk", username=f"u{pk}"))
            for number, (subject, code) in enumerate(SUBJECTS):
                way = rng.choice(["none", "unfinished", "finished", "result", "result", "result"])
                if way == "none":
                    continue
                session_id = user_id * 10 + number
                completed = None if way == "unfinished" else now
                sessions.append(_session(pk, user_id, subject, code, session_id, completed, now))
                if way == "result":
                    results.append(_result(pk, user_id, subject, code, session_id, now))
        BksbLink.objects.bulk_create(links, batch_size=BATCH)
        Invite.objects.bulk_create(invites, batch_size=BATCH)
        AssessmentSession.objects.bulk_create(sessions, batch_size=BATCH)
        InitialAssessmentResult.objects.bulk_create(results, batch_size=BATCH)
    # Written straight into the tables, as an upgrade finds them: the status is stored as bksb_rebuild_status does.
    assessment_status_rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _session(
    pk: int, user_id: int, subject: str, code: str, session_id: int, completed: dt.datetime | None, now: dt.datetime
) -> AssessmentSession:
    return AssessmentSession(
        learner_id=pk,
        bksb_user_id=user_id,
        course_subject=code,
        subject=subject,
        session_id=session_id,
        assessment_type=1,
        started_at=now,
        completed_at=completed,
        first_seen_at=now,
        last_seen_at=now,
    )


def _result(
    pk: int, user_id: int, subject: str, code: str, session_id: int, now: dt.datetime
) -> InitialAssessmentResult:
    return InitialAssessmentResult(
        learner_id=pk,
        bksb_user_id=user_id,
        session_id=session_id,
        assessment_id=50000,
        course_subject=code,
        subject=subject,
        result="Entry 3",
        level="entry_3",
        level_rank=3,
        result_date=now,
        first_seen_at=now,
        last_changed_at=now,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    _fill(args.learners)
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    client.get("/learners/")  # warm up connections and template caches

    cohort = {"start_from": "2026-09-01", "start_to": "2026-09-30"}
    cases = [("list, first page", "/learners/", {})]
    cases += [(f"list, {value}", "/learners/", {"bksb_status": value}) for value, _ in FILTER_CHOICES]
    cases += [
        ("list, cohort in progress", "/learners/", {**cohort, "bksb_status": "in_progress"}),
        ("board, cohort", "/management/bksb/induction/", cohort),
        ("board, everyone", "/management/bksb/induction/", {}),
    ]
    cohort_size = Learner.objects.filter(start_date=COHORT_START).count()
    print(f"database: {connection.vendor}, learners: {Learner.objects.count()}, cohort: {cohort_size}")
    print(f"{'case':<34}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, url, params in cases:
        median, worst, queries = page_timing(client, url, params, args.repeat)
        print(f"{name:<34}{median:>10.1f}{worst:>10.1f}{queries:>9}", flush=True)


if __name__ == "__main__":
    main()
