"""Benchmark: the levels summary, tags, funding flags and evidence packs.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_levels \\
    .venv/bin/python benchmarks/levels.py [--learners 10000] [--per-learner 16]

Gives each BENCH learner `--per-learner` stored results (English, maths and ICT,
both lists, some unmapped, a few of a previous bksb user) and two tag rules, then
prints:
- rebuilding every record's summary and tags (bksb_rebuild_levels' path), from empty and again with nothing
  changed (as after a mapping change that moves few results): records per second, queries per chunk;
- what a download's store costs with the summary refresh in its transaction, against the upsert alone;
- the funding flag and tag filters over all records (count), and one record's flags;
- one evidence pack PDF, made and rendered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bksbmis_bench_levels")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
os.environ.setdefault("DEBUG", "True")

from benchmarks.support import database_ensure  # noqa: E402

BASE = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
RESULTS = [
    ("MATHS_NEW", "Maths Entry 3", "maths", "entry_3", 4),
    ("MATHS_NEW", "Maths Level 1", "maths", "level_1", 5),
    ("ENG_NEW", "English Entry 2", "english", "entry_2", 3),
    ("ENG_NEW", "English Level 2", "english", "level_2", 6),
    ("ICT", "ICT Below Entry 3", "ict", "entry_2", 3),
    ("MATHS_NEW", "Maths: see tutor", "maths", None, None),
]


def _seed(per_learner: int) -> int:
    """Results for every BENCH learner (skipped when already there), their links and two tag rules."""
    from django.db import connection
    from django.utils import timezone

    from bksb_integration.models import (
        BksbLink,
        DiagnosticAssessmentResult,
        InitialAssessmentResult,
        LearnerTag,
        TagRule,
    )
    from learners.models import Learner

    ids = list(Learner.objects.filter(learner_ref__startswith="BENCH").order_by("pk").values_list("pk", flat=True))
    if not TagRule.objects.exists():
        TagRule.objects.create(name="Maths support: Entry", subject="maths", levels=["entry_1", "entry_2", "entry_3"])
        TagRule.objects.create(name="English L2", subject="english", basis="highest", levels=["level_2"])
    expected = len(ids) * per_learner
    have = InitialAssessmentResult.objects.count() + DiagnosticAssessmentResult.objects.count()
    if have == expected:
        return len(ids)
    tag_history = LearnerTag.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE bksb_initial_assessment_result, bksb_diagnostic_assessment_result, bksb_learner_level, "
            f"bksb_learner_tag, {tag_history}, bksb_link CASCADE"
        )
    now = timezone.now()
    BksbLink.objects.bulk_create([BksbLink(learner_id=pk, bksb_user_id=3_000_000 + pk) for pk in ids], batch_size=5000)
    initial, diagnostic = [], []
    for pk in ids:
        for n in range(per_learner):
            code, text, subject, level, rank = RESULTS[(pk + n) % len(RESULTS)]
            model, rows = (InitialAssessmentResult, initial) if n % 2 == 0 else (DiagnosticAssessmentResult, diagnostic)
            user = 3_000_000 + pk if n % 8 else 4_000_000 + pk  # one in eight from a previous bksb user
            extra = {"percent_score": float(n * 3 % 100)} if model is DiagnosticAssessmentResult else {}
            rows.append(
                model(
                    learner_id=pk,
                    bksb_user_id=user,
                    session_id=pk * 100 + n,
                    assessment_id=50000,
                    course_subject=code,
                    assessment_name=f"{subject} assessment",
                    result=text,
                    result_date=BASE - dt.timedelta(days=n * 7),
                    subject=subject,
                    level=level,
                    level_rank=rank,
                    raw={"SessionId": pk * 100 + n, "Result": text},
                    first_seen_at=now,
                    last_changed_at=now,
                    **extra,
                )
            )
        if len(initial) > 20000:
            InitialAssessmentResult.objects.bulk_create(initial, batch_size=5000)
            DiagnosticAssessmentResult.objects.bulk_create(diagnostic, batch_size=5000)
            initial, diagnostic = [], []
    InitialAssessmentResult.objects.bulk_create(initial, batch_size=5000)
    DiagnosticAssessmentResult.objects.bulk_create(diagnostic, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(ids)


def _rebuild(label: str, *, from_empty: bool) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bksb_integration.levels import summary as levels
    from bksb_integration.models import LearnerLevel, LearnerTag

    if from_empty:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bksb_learner_level, bksb_learner_tag")
    ids = levels.learners_with_results()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        counts = levels.levels_refresh(learner_ids=ids, reason="benchmark")
    took = time.perf_counter() - started
    chunks = -(-len(ids) // levels.CHUNK)
    print(
        f"{label:<27}{len(ids):,} records in {took:.1f} s = {len(ids) / took:,.0f} records/s; "
        f"{len(queries) / chunks:.0f} queries per chunk of {levels.CHUNK:,}; "
        f"{LearnerLevel.objects.count():,} summary rows, {LearnerTag.objects.count():,} tags "
        f"(+{counts.tags_added:,} -{counts.tags_removed:,} ~{counts.tags_changed:,})"
    )


def _store_cost(samples: int) -> None:
    """One new result per learner, stored as a download stores it, with and without the summary refresh."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bksb_integration.api.types import AssessmentResult
    from bksb_integration.config.mapping import Mapper
    from bksb_integration.models import BksbLink
    from bksb_integration.sync.results_store import learner_results_store, results_upsert

    mapper = Mapper.load()
    links = list(BksbLink.objects.order_by("pk").values_list("learner_id", "bksb_user_id")[: samples * 2])

    def page(learner_id: int, session: int) -> list[AssessmentResult]:
        return [
            AssessmentResult(
                kind="initial",
                session_id=session,
                assessment_id=50000,
                course_subject="MATHS_NEW",
                course_name="Maths",
                assessment_name="Maths Initial Assessment",
                result="Maths Entry 1",
                result_date=timezone.now(),
                percent_score=None,
                raw={"SessionId": session, "n": time.time_ns()},
            )
        ]

    def run(pairs, with_summary: bool) -> tuple[float, float]:
        times, query_counts = [], []
        for learner_id, user_id in pairs:
            session = 90_000_000 + learner_id * 10 + (1 if with_summary else 2)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries, transaction.atomic():
                if with_summary:
                    learner_results_store(
                        learner_id=learner_id,
                        bksb_user_id=user_id,
                        pages={"initial": page(learner_id, session)},
                        mapper=mapper,
                        now=timezone.now(),
                    )
                else:
                    results_upsert(
                        kind="initial",
                        learner_id=learner_id,
                        bksb_user_id=user_id,
                        results=page(learner_id, session),
                        mapper=mapper,
                        now=timezone.now(),
                    )
            times.append((time.perf_counter() - started) * 1000)
            query_counts.append(len(queries))
        return statistics.median(times), statistics.mean(query_counts)

    alone = run(links[:samples], with_summary=False)
    refreshed = run(links[samples:], with_summary=True)
    print(
        f"store a new result         upsert alone {alone[0]:.1f} ms median ({alone[1]:.0f} queries); "
        f"with the summary and tags {refreshed[0]:.1f} ms ({refreshed[1]:.0f} queries)"
    )


def _filters() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bksb_integration.levels.funding import FLAGS, Thresholds, flags_for, learners_flagged
    from bksb_integration.levels.queries import learners_tagged
    from bksb_integration.models import TagRule
    from learners.models import Learner

    thresholds = Thresholds.load()
    everyone = Learner.objects.all()
    for flag in FLAGS[:2] + FLAGS[3:4]:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            count = learners_flagged(everyone, flag.code, thresholds).count()
            times.append((time.perf_counter() - started) * 1000)
        print(f"flag filter, count          {flag.code}: {count:,} records, {statistics.median(times):.0f} ms median")
    rule = TagRule.objects.order_by("pk").first()
    if rule is not None:
        started = time.perf_counter()
        count = learners_tagged(everyone, rule.pk).count()
        print(f"tag filter, count           {count:,} records, {(time.perf_counter() - started) * 1000:.0f} ms")
    page = list(everyone.order_by("last_name")[:50])
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        flags_for(page, thresholds)
    print(f"flags of a page of 50       {(time.perf_counter() - started) * 1000:.1f} ms, {len(queries)} query")


def _evidence_pack() -> None:
    from bksb_integration.evidence.pack import evidence_content
    from bksb_integration.evidence.pdf import evidence_pdf
    from learners.models import Learner

    learner = Learner.objects.filter(learner_ref__startswith="BENCH").order_by("pk").first()
    assert learner is not None
    times, size = [], 0
    for _ in range(5):
        started = time.perf_counter()
        pdf = evidence_pdf(evidence_content(learner=learner, made_by=None))
        times.append((time.perf_counter() - started) * 1000)
        size = len(pdf)
    print(f"evidence pack, one record   {statistics.median(times):.0f} ms median, {size / 1024:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the levels summary, tags, flags and evidence packs.")
    parser.add_argument("--learners", type=int, default=10000)
    parser.add_argument("--per-learner", type=int, default=16)
    parser.add_argument("--samples", type=int, default=200, help="downloads stored with and without the summary")
    args = parser.parse_args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.support import learners_ensure

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    learners_ensure(args.learners)
    count = _seed(args.per_learner)
    print(f"database: {connection.vendor}; {count:,} records x {args.per_learner} results")
    _rebuild("rebuild all, from empty", from_empty=True)
    _rebuild("rebuild all, no change", from_empty=False)
    _store_cost(args.samples)
    _filters()
    _evidence_pack()


if __name__ == "__main__":
    main()
