"""Benchmark: a learner's BKSB tab with 200 stored results.

Usage:
    createdb -h 127.0.0.1 -U postgres bksbmis_tabbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_tabbench \
    python benchmarks/bksb_tab.py [--results 200] [--repeat 30]

Migrates the configured database, makes (once) a learner with the given number
of results split between the two lists and a tutor, then times the tab as the
tutor loads it (the newest 20 of each list, then with Show all), and its htmx
results section. Prints the median and worst time and the number of queries
each ran.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bksb_integration.config.mapping import Mapper  # noqa: E402
from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult  # noqa: E402
from learners.models import Learner, WebUser  # noqa: E402
from learners.search_text import search_text_refresh  # noqa: E402
from permissions.roles import roles_ensure  # noqa: E402

REF = "BENCH-TAB"
SUBJECTS = [("MATHS_NEW", "Maths"), ("ENG_NEW", "English"), ("ICT", "ICT")]
LEVELS = ["Entry 2", "Entry 3", "Level 1", "Level 2", "Below Entry 1", "Unmapped wording"]


def _learner(results: int) -> Learner:
    learner, _ = Learner.objects.get_or_create(
        learner_ref=REF, defaults={"first_name": "Bench", "last_name": "Tab", "bksb_user": True}
    )
    if not WebUser.objects.filter(learner=learner).exists():
        user, _ = get_user_model().objects.get_or_create(username="bench.tab.learner")
        WebUser.objects.create(user=user, learner=learner)
        search_text_refresh(learner_ids=[learner.pk])
    have = InitialAssessmentResult.objects.filter(learner=learner).count()
    have += DiagnosticAssessmentResult.objects.filter(learner=learner).count()
    if have != results:
        _fill(learner, results)
    return learner


def _fill(learner: Learner, results: int) -> None:
    InitialAssessmentResult.objects.filter(learner=learner).delete()
    DiagnosticAssessmentResult.objects.filter(learner=learner).delete()
    mapper, now = Mapper.load(), timezone.now()
    rows: dict[type, list] = {InitialAssessmentResult: [], DiagnosticAssessmentResult: []}
    for n in range(results):
        model = InitialAssessmentResult if n % 2 == 0 else DiagnosticAssessmentResult
        code, subject = SUBJECTS[n % len(SUBJECTS)]
        row = model(
            learner=learner,
            bksb_user_id=9_000_001,
            session_id=n,
            assessment_id=50000,
            course_subject=code,
            course_name=f"{subject} Functional Skills",
            assessment_name=f"{subject} Initial Assessment",
            result=f"{subject} {LEVELS[n % len(LEVELS)]}",
            result_date=now - dt.timedelta(days=n),
            raw={"SessionId": n},
            first_seen_at=now,
            last_changed_at=now,
        )
        if model is DiagnosticAssessmentResult:
            row.percent_score = n % 100
        mapper.apply(row)
        rows[model].append(row)
    for model, batch in rows.items():
        model.objects.bulk_create(batch)


def _tutor():
    user, created = get_user_model().objects.get_or_create(username="bench.tab.tutor", defaults={"is_staff": True})
    if created:
        user.groups.add(roles_ensure()["Tutors"])
    return user


def _measure(client: Client, url: str, repeat: int, htmx: bool) -> tuple[float, float, int]:
    headers = {"HX-Request": "true"} if htmx else {}
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), max(times), len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    learner = _learner(args.results)
    client = Client()
    client.force_login(_tutor())
    tab = reverse("bksb:tab", args=[learner.pk])
    client.get(tab)  # warm up connections and template caches

    print(f"database: {connection.vendor}, results: {args.results}")
    print(f"{'page':<24}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, url, htmx in (
        ("BKSB tab", tab, False),
        ("BKSB tab, Show all", f"{tab}?all=initial&all=diagnostic", False),
        ("results section (htmx)", reverse("bksb:tab_results", args=[learner.pk]), True),
    ):
        median, worst, queries = _measure(client, url, args.repeat, htmx)
        print(f"{name:<24}{median:>10.1f}{worst:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()
