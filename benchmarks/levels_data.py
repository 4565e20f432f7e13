"""Benchmark data for levels: many learners, each linked to a bksb user with many results.

Used by benchmarks/learner_levels.py and benchmarks/cohort_report.py (not by the product).
The results are written by INSERT ... SELECT in PostgreSQL (800,000 rows in seconds, not
through the ORM), with a fixed random seed so every run measures the same data; then the
summary table (bksb_learner_level) is built by the product's own recomputation.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from learners.demo import demo_seed
from learners.models import Learner

BKSB_USER_BASE = 7_000_000

# Per learner with results: per_subject results in each of English, maths and ICT, 2% unmapped;
# diagnostics rise a little with each attempt (lift).
_RESULTS_SQL = """
INSERT INTO {table} (
    learner_id, bksb_user_id, session_id, assessment_id, course_subject, course_name, assessment_name,
    result, result_date, subject, level, level_rank, raw, first_seen_at, last_changed_at {extra_columns}
)
SELECT l.id, {user_base} + l.id, {session_base} + l.id * 100 + n, 900 + s.idx * 10 + n,
       s.code, s.course, s.course || ' ' || '{kind}',
       CASE WHEN r.rank IS NULL THEN 'Working towards ' || s.course ELSE s.course || ' ' || lv.label END,
       now() - make_interval(days => ({days_back} - n * 20 - (l.id % 17))::int),
       s.subject, lv.value, r.rank, '{{}}'::jsonb, now(), now() {extra_values}
FROM learners_learner l
CROSS JOIN generate_series(1, {per_subject}) AS n
CROSS JOIN (VALUES (1, 'english', 'ENGLISH_NEW', 'English'), (2, 'maths', 'MATHS_NEW', 'Maths'),
                   (3, 'ict', 'ICT_NEW', 'Digital Skills')) AS s(idx, subject, code, course)
CROSS JOIN LATERAL (  -- correlated (the WHERE), so random() is drawn for every row
    SELECT CASE WHEN random() < 0.02 THEN NULL
                ELSE LEAST(7, 1 + floor(random() * 4 + random() * 3 + {lift} * n)::int) END
    WHERE l.id > 0 AND n > 0 AND s.idx > 0
) AS r(rank)
LEFT JOIN (VALUES (1, 'pre_entry', 'Pre-Entry'), (2, 'entry_1', 'Entry 1'), (3, 'entry_2', 'Entry 2'),
                  (4, 'entry_3', 'Entry 3'), (5, 'level_1', 'Level 1'), (6, 'level_2', 'Level 2'),
                  (7, 'level_3', 'Level 3')) AS lv(rank, value, label) ON lv.rank = r.rank
WHERE l.learner_ref LIKE 'L%' AND l.id % 10 <> 0
"""


def learners_ensure(count: int) -> None:
    """The demo's learners and staff (admin, manager, tutor), up to `count` records."""
    if Learner.objects.count() < count:
        print(f"Seeding {count} learners...", flush=True)
        demo_seed(learners=count)


def results_ensure(*, initial_per_subject: int = 2, diagnostic_per_subject: int = 4) -> int:
    """Nine in ten learners get a bksb user and results in English, maths and ICT (one in ten none).

    With the defaults, 18 results for each of those learners; returns how many results there are.
    """
    from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult

    have = InitialAssessmentResult.objects.count() + DiagnosticAssessmentResult.objects.count()
    if have:
        return have
    started = time.perf_counter()
    print("Writing results...", flush=True)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT setseed(0.14)")
        cur.execute(
            "INSERT INTO bksb_link (learner_id, bksb_user_id, resolved_username, last_outcome, "
            "last_message, unmatched, unmatched_username) SELECT id, %s + id, 'bench' || id, '', '', '', '' "
            "FROM learners_learner "
            "WHERE learner_ref LIKE 'L%%' AND id %% 10 <> 0 ON CONFLICT DO NOTHING",
            [BKSB_USER_BASE],
        )
        cur.execute("UPDATE learners_learner SET bksb_user = true WHERE learner_ref LIKE 'L%' AND id % 10 <> 0")
        for table, kind, per_subject, session_base, days_back, lift, extra_columns, extra_values in (
            (InitialAssessmentResult._meta.db_table, "initial assessment", initial_per_subject, 10**9, 400, 0, "", ""),
            (
                DiagnosticAssessmentResult._meta.db_table,
                "diagnostic",
                diagnostic_per_subject,
                2 * 10**9,
                300,
                0.4,
                ", percent_score",
                ", round((random() * 100)::numeric, 1)",
            ),
        ):
            cur.execute(
                _RESULTS_SQL.format(
                    table=table,
                    kind=kind,
                    user_base=BKSB_USER_BASE,
                    session_base=session_base,
                    days_back=days_back,
                    per_subject=per_subject,
                    lift=lift,
                    extra_columns=extra_columns,
                    extra_values=extra_values,
                )
            )
    with connection.cursor() as cur:
        # Setting bksb_user rewrote every learner row: compact the table as a vacuumed production one would be.
        cur.execute("VACUUM FULL ANALYZE learners_learner")
        cur.execute("ANALYZE")
    total = InitialAssessmentResult.objects.count() + DiagnosticAssessmentResult.objects.count()
    print(f"  {total} results in {time.perf_counter() - started:.1f} s", flush=True)
    return total
