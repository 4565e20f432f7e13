"""Benchmark: the learner list's programme filters at 50,000 learners with 150,000 aims (issue 20).

Usage:
    createdb -h 127.0.0.1 -U postgres bksbmis_bench_aims
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_aims \
    python benchmarks/programme_filters.py [--learners 50000] [--repeat 15] [--explain]
    make bench-aims

Builds the data set once and keeps it (later runs start at once), without the ILR import
(benchmarks/ilr_import.py times that; at this size it takes 20 minutes or more): the demo's
learners, each given a provision type (four in ten young people, three adults, two apprentices,
a twentieth high needs, the rest not known), then three aims each in one INSERT ... SELECT with a
fixed seed: a main aim (apprentices' ZPROG001, else one of 6,000 references, a few common and
many rare), and an English and a maths aim, each for about half the learners one of the shipped
Functional Skills aims (a few held by thousands), else another of the 6,000.

Times the first list page as a manager loads it (median and worst of --repeat requests; the
median CPU time of this process and SQL time, which the shared machine's load moves less; queries),
unfiltered and with each programme filter: provision type, funding model, a common aim, a rare aim,
"has a maths aim", and provision type with it. --explain prints EXPLAIN ANALYZE of
each case's slowest query.
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.levels_data import learners_ensure  # noqa: E402
from benchmarks.support import timed  # noqa: E402
from learners.aim_references import aim_references_rebuild  # noqa: E402
from learners.models import EnglishMathsAim, Learner, LearningAim  # noqa: E402
from learners.programme_filters import aim_choices  # noqa: E402

COMMON_AIM = "60350581"  # NCFE Level 1 Functional Skills English: the most held aim below

_PROVISION_SQL = """
UPDATE learners_learner SET provision_type = CASE
    WHEN id % 20 < 8 THEN 'young_people' WHEN id % 20 < 14 THEN 'adults'
    WHEN id % 20 < 18 THEN 'apprenticeships' WHEN id % 20 = 18 THEN 'high_needs' ELSE '' END
"""

# Three aims a learner. The English (n = 2) and maths (n = 3) aims are, for about half, one of the shipped
# Functional Skills references (an array parameter, the first the most held); every other aim is one of
# 6,000 references, skewed (random() squared) so a few are common and most are rare.
_AIMS_SQL = """
INSERT INTO learners_learningaim (
    learner_id, aim_seq_number, learn_aim_ref, aim_type, fund_model, prog_type, std_code,
    start_date, planned_end_date, comp_status, source_of_funding
)
SELECT l.id, n,
       CASE WHEN n = 1 AND l.provision_type = 'apprenticeships' THEN 'ZPROG001'
            WHEN n = 2 AND r.fs < 0.5 THEN (%(english)s)[1 + floor(random() * random() * cardinality(%(english)s))::int]
            WHEN n = 3 AND r.fs < 0.45 THEN (%(maths)s)[1 + floor(random() * random() * cardinality(%(maths)s))::int]
            ELSE '5' || lpad(floor(random() * random() * 6000)::int::text, 7, '0') END,
       CASE WHEN l.provision_type = 'apprenticeships' THEN CASE WHEN n = 1 THEN 1 ELSE 3 END
            WHEN l.provision_type IN ('young_people', 'high_needs') AND n = 1 THEN 5 ELSE 4 END,
       CASE l.provision_type WHEN 'apprenticeships' THEN 36 WHEN 'young_people' THEN 25 WHEN 'high_needs' THEN 25
            WHEN 'adults' THEN CASE WHEN r.fm < 0.7 THEN 35 WHEN r.fm < 0.85 THEN 39 WHEN r.fm < 0.95 THEN 10
                                    ELSE 81 END
            ELSE 99 END,
       CASE WHEN l.provision_type = 'apprenticeships' THEN 25 END,
       CASE WHEN l.provision_type = 'apprenticeships' THEN 100 + l.id %% 40 END,
       DATE '2025-09-01', DATE '2026-06-30', 1, ''
FROM learners_learner l
CROSS JOIN generate_series(1, 3) AS n
CROSS JOIN LATERAL (SELECT random(), random() WHERE l.id > 0 AND n > 0) AS r(fs, fm)
"""


def aims_ensure() -> None:
    """Provision types on every learner and three aims each, written once in SQL and then kept."""
    if LearningAim.objects.exists():
        return
    refs = {
        subject: list(
            EnglishMathsAim.objects.filter(subject=subject).order_by("level", "learn_aim_ref")
            .values_list("learn_aim_ref", flat=True)
        )
        for subject in ("english", "maths")
    }  # fmt: skip
    # The most held first: NCFE Level 1 English, Level 2 maths (as the ILR benchmark's file has them).
    for subject, first in (("english", COMMON_AIM), ("maths", "6035060X")):
        refs[subject].remove(first)
        refs[subject].insert(0, first)

    def write() -> None:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT setseed(0.20)")
            cur.execute(_PROVISION_SQL)
            cur.execute(_AIMS_SQL, refs)
            aim_references_rebuild()  # written in SQL, so the references on file are made here
        with connection.cursor() as cur:
            cur.execute("VACUUM FULL ANALYZE learners_learner")
            cur.execute("VACUUM ANALYZE")

    timed("Writing provision types and aims", write)


def _rare_aim() -> tuple[str, int]:
    """The least held of the aims the filter offers (its choices stop at the 2,000th reference), and its holders."""
    listed = [ref for ref, _ in aim_choices()]
    held = LearningAim.objects.filter(learn_aim_ref__in=listed).values("learn_aim_ref").annotate(n=Count("id"))
    rarest = min(held, key=lambda row: (row["n"], row["learn_aim_ref"]))
    return rarest["learn_aim_ref"], rarest["n"]


def _timing(client: Client, params: dict[str, str], repeat: int) -> tuple[float, float, float, float, int]:
    """Median and worst wall milliseconds, median milliseconds of this process's CPU and of SQL, and queries.

    On a shared machine the wall time swings with the load; the CPU and SQL times much less."""
    walls, cpus, sqls = [], [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get("/learners/", params)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, response.status_code
        sqls.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    median = statistics.median
    return median(walls), max(walls), median(cpus), median(sqls), len(queries.captured_queries)


def _explain(client: Client, params: dict[str, str]) -> None:
    with CaptureQueriesContext(connection) as queries:
        client.get("/learners/", params)
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(f"    {line}" for (line,) in cur.fetchall())
    print(f"  slowest query {slowest['time']} s:\n    {slowest['sql'][:300]}...\n{plan}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each case's slowest query")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    learners_ensure(args.learners)
    aims_ensure()

    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    client.get("/learners/")  # warm up connections and template caches
    rare, rare_holders = _rare_aim()
    cases = [
        ("no filter", {}),
        ("provision: adults", {"provision": "adults"}),
        ("funding model 35", {"fund_model": "35"}),
        (f"common aim {COMMON_AIM}", {"aim": COMMON_AIM}),
        (f"rare aim {rare} ({rare_holders} held)", {"aim": rare}),
        ("has a maths aim", {"em_aim": "maths"}),
        ("has English or maths", {"em_aim": "any"}),
        ("young people, maths aim", {"provision": "young_people", "em_aim": "maths"}),
        ("young people, common aim", {"provision": "young_people", "aim": COMMON_AIM}),
    ]
    aims = LearningAim.objects.count()
    holders = LearningAim.objects.filter(learn_aim_ref=COMMON_AIM).count()
    distinct = LearningAim.objects.values("learn_aim_ref").distinct().count()
    print(f"database: {connection.vendor}, learners: {Learner.objects.count()}, aims: {aims}, ", end="")
    print(f"distinct aim references: {distinct}, holding {COMMON_AIM}: {holders}")
    print(f"{'case':<36}{'median ms':>10}{'max ms':>10}{'CPU ms':>8}{'SQL ms':>8}{'queries':>9}")
    for name, params in cases:
        median, worst, cpu, sql, queries = _timing(client, params, args.repeat)
        print(f"{name:<36}{median:>10.1f}{worst:>10.1f}{cpu:>8.1f}{sql:>8.1f}{queries:>9}", flush=True)
        if args.explain:
            _explain(client, params)
    print(f"load average: {' '.join(f'{load:.1f}' for load in os.getloadavg())} (2 cores, shared)")


if __name__ == "__main__":
    main()
