"""Benchmark: every page at the scale of a national provider (100,000 learners, 2 million results,
500,000 assessment sessions).

Usage:
    createdb -h 127.0.0.1 -U postgres bksbmis_bench_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_scale \
    python benchmarks/scale.py [--learners 100000] [--repeat 7]

Builds the data set once, in SQL, and keeps it (later runs start at once): the demo's
learners; nine in ten a BKSB User linked to a bksb user with 3 initial assessment and 5
diagnostic results in each of English, maths and ICT (24 each: 2.16 million at 100,000;
benchmarks/levels_data.py); 6 V5 sessions each in English and maths (2 initial, 1
diagnostic a subject: 540,000), one in seven with its latest English initial assessment
unfinished, one in three with its sessions' results in; about one in ten starting
on 7 September 2026 (the Induction board's cohort: 10,000). Then the product's own
rebuilds make the levels summary and the stored assessment status, each timed.

Times, as a manager loads them, the learner list (first page, and filtered by each
assessment stage), the Induction board of the cohort, Reports for every learner and for the cohort, and the
Unmatched report's first page: median and worst of `--repeat` requests, and queries.
"""

from __future__ import annotations

import argparse
import os
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

from benchmarks.levels_data import BKSB_USER_BASE, learners_ensure, results_ensure  # noqa: E402
from benchmarks.support import page_timing, timed  # noqa: E402
from bksb_integration.induction.status import FILTER_CHOICES  # noqa: E402
from bksb_integration.models import AssessmentProgress, AssessmentSession, LearnerLevel  # noqa: E402
from learners.models import Learner  # noqa: E402

COHORT = {"start_from": "2026-09-07", "start_to": "2026-09-07"}

# Per linked learner, English (idx 1) and maths (idx 2): initial sessions n = 1, 2 and a diagnostic n = 3.
# One learner in three: their initial sessions carry the SessionIds of their stored initial results
# (English n and maths n + 1 of levels_data's ids), so those results are in; the others' are not.
_SESSIONS_SQL = """
INSERT INTO bksb_assessment_session (
    learner_id, bksb_user_id, course_subject, subject, session_id, assessment_type,
    started_at, completed_at, first_seen_at, last_seen_at, skills_read_at, raw
)
SELECT l.id, %(user_base)s + l.id, s.code, s.subject,
       CASE WHEN l.id %% 3 = 0 AND n < 3 THEN 1000000000 + l.id * 100 + n + s.idx - 1
            ELSE 3000000000 + l.id * 100 + s.idx * 10 + n END,
       CASE WHEN n < 3 THEN 1 ELSE 2 END,
       now() - make_interval(days => 60 - n * 20),
       CASE WHEN s.idx = 1 AND n = 2 AND l.id %% 7 = 0 THEN NULL ELSE now() - make_interval(days => 59 - n * 20) END,
       now(), now(), now(), '{}'::jsonb
FROM learners_learner l
JOIN bksb_link k ON k.learner_id = l.id AND k.bksb_user_id IS NOT NULL
CROSS JOIN generate_series(1, 3) AS n
CROSS JOIN (VALUES (1, 'english', 'ENG_NEW'), (2, 'maths', 'MATHS_NEW')) AS s(idx, subject, code)
ON CONFLICT DO NOTHING
"""


def _sessions_ensure() -> None:
    if AssessmentSession.objects.exists():
        return

    def write() -> None:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_SESSIONS_SQL, {"user_base": BKSB_USER_BASE})
            cur.execute("UPDATE bksb_link SET resolved_at = now() WHERE bksb_user_id IS NOT NULL")
            # About one in ten (applicants have no start date): the cohort.
            cur.execute(
                "UPDATE learners_learner SET start_date = '2026-09-07' WHERE id % 17 < 2 AND start_date IS NOT NULL"
            )
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE bksb_assessment_session")

    timed("Writing sessions", write)


def _summaries_ensure() -> None:
    from bksb_integration.induction.status_store import assessment_status_rebuild
    from bksb_integration.levels.summary import learners_with_results, levels_refresh

    if not LearnerLevel.objects.exists():
        timed(
            "Levels summary (bksb_rebuild_levels)",
            lambda: levels_refresh(learner_ids=learners_with_results(), reason="benchmark"),
        )
    if not AssessmentProgress.objects.exists():
        timed("Stored assessment status (bksb_rebuild_status)", assessment_status_rebuild)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    learners_ensure(args.learners)
    results = results_ensure(initial_per_subject=3, diagnostic_per_subject=5)
    _sessions_ensure()
    _summaries_ensure()

    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    client.get("/learners/")  # warm up connections and template caches
    cases = [("learner list, first page", "/learners/", {})]
    cases += [(f"list by stage: {value}", "/learners/", {"bksb_status": value}) for value, _ in FILTER_CHOICES]
    cases += [
        ("Induction board, cohort", "/management/bksb/induction/", COHORT),
        ("Reports, every learner", "/management/bksb/reports/", {}),
        ("Reports, cohort", "/management/bksb/reports/", COHORT),
        ("Unmatched report, first page", "/management/bksb/unmatched/", {}),
    ]
    cohort = Learner.objects.filter(start_date="2026-09-07").count()
    sessions = AssessmentSession.objects.count()
    print(f"database: {connection.vendor}, learners: {Learner.objects.count()}, results: {results}, ", end="")
    print(f"sessions: {sessions}, cohort: {cohort}")
    print(f"{'case':<40}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, url, params in cases:
        median, worst, queries = page_timing(client, url, params, args.repeat)
        print(f"{name:<40}{median:>10.1f}{worst:>10.1f}{queries:>9}", flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
