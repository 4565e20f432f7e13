"""Benchmark: an auditor's sample pack of 30 learners drawn from a 10,000-learner cohort, and distance travelled.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_audit \\
    .venv/bin/python benchmarks/audit_sample.py [--learners 10000] [--sample 30] [--repeat 2]

Gives each BENCH learner stored results as benchmarks/levels.py does (16 each, both lists), a ULN, GCSE grades
and two learning aims, builds the levels summary once, then prints:
- drawing the sample from the cohort (what the page's Draw the sample costs): time and queries;
- the zip made as the job makes it (every pack with prior attainment, the manifest and the cover), end to end:
  time, size, and the manifest's SHA-256 values checked against the zipped files;
- distance travelled over the whole cohort (the Reports table): time and queries.
The job runs in this process (no worker); nothing is queued.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bksbmis_bench_audit")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
os.environ.setdefault("DEBUG", "True")

from benchmarks.support import database_ensure  # noqa: E402

START = dt.date(2026, 9, 7)


def _uln(pk: int) -> str:
    """A ULN with a valid check digit (learners/attainment.py), from the record's id."""
    for start in (1, 2, 3):
        nine = f"{start * 100_000_000 + pk:09d}"
        remainder = sum(int(digit) * weight for digit, weight in zip(nine, range(10, 1, -1), strict=True)) % 11
        if remainder:
            return nine + str(10 - remainder)
    raise ValueError(pk)


def _attainment() -> None:
    """A ULN, GCSE grades and two aims for every BENCH learner (skipped when already there)."""
    from learners.models import Learner, LearningAim

    if LearningAim.objects.filter(learner__learner_ref__startswith="BENCH").exists():
        return
    learners = list(Learner.objects.filter(learner_ref__startswith="BENCH").only("pk"))
    for learner in learners:
        learner.uln = _uln(learner.pk)
        learner.gcse_english_grade, learner.gcse_maths_grade = "4", "3"
    Learner.objects.bulk_update(learners, ["uln", "gcse_english_grade", "gcse_maths_grade"], batch_size=2000)
    aims = [
        LearningAim(
            learner_id=learner.pk,
            aim_seq_number=seq,
            learn_aim_ref=ref,
            aim_type=3,
            fund_model=25,
            start_date=START,
            planned_end_date=START + dt.timedelta(days=280),
            comp_status=1,
        )
        for learner in learners
        for seq, ref in ((1, "60146701"), (2, "60342697"))
    ]
    LearningAim.objects.bulk_create(aims, batch_size=5000)


def _summary() -> None:
    from bksb_integration.levels.summary import learners_with_results, levels_refresh
    from bksb_integration.models import LearnerLevel

    if not LearnerLevel.objects.exists():
        levels_refresh(learner_ids=learners_with_results(), reason="benchmark")


def _auditor():
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(
        username="bench.auditor", defaults={"is_staff": True, "is_superuser": True, "is_active": True}
    )
    return user


def _sample(size: int, seed: int, auditor) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bksb_integration.evidence.packs_job import evidence_zip_path
    from bksb_integration.evidence.sample import cohort_sample
    from bksb_integration.evidence.sample_job import audit_sample_start
    from jobs.models import Job
    from jobs.services import job_run
    from learners.models import Learner

    cohort = Learner.objects.filter(learner_ref__startswith="BENCH")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        choice = cohort_sample(learners=cohort, size=size, seed=seed)
    draw_ms = (time.perf_counter() - started) * 1000
    print(f"draw {size} of {choice.cohort_size:,}         {draw_ms:.0f} ms, {len(queries)} queries (seed {seed})")
    Job.objects.filter(kind="bksb_audit_sample", started_by=auditor).delete()
    started = time.perf_counter()
    job = audit_sample_start(choice=choice, started_by=auditor, cohort="every BENCH record")
    status = job_run(job_id=job.pk)
    took = time.perf_counter() - started
    path = evidence_zip_path(job)
    with zipfile.ZipFile(path) as archive:
        packs = [name for name in archive.namelist() if name.startswith("evidence-pack-")]
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
        matched = sum(
            row["sha256"] == hashlib.sha256(archive.read(row["file"])).hexdigest() for row in manifest if row["file"]
        )
        cover = "cover.pdf" in archive.namelist()
    print(
        f"zip of the sample           {took:.1f} s ({took / len(packs) * 1000:.0f} ms a pack), {status}; "
        f"{len(packs)} packs, {matched} of {len(packs)} manifest SHA-256 values match, "
        f"cover {'in' if cover else 'MISSING'}; {path.stat().st_size / 1024:,.0f} KB"
    )
    path.unlink()


def _distance(repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bksb_integration.levels.distance import distance_tables
    from learners.models import Learner

    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            tables = distance_tables(learners=Learner.objects.filter(learner_ref__startswith="BENCH"))
        times.append((time.perf_counter() - started) * 1000)
        count = len(queries)
    learners = sum(table.total for table in tables)
    print(
        f"distance travelled, cohort  {statistics.median(times):.0f} ms median ({min(times):.0f}-{max(times):.0f}), "
        f"{count} query; {learners:,} subject rows compared"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the audit sample pack and distance travelled.")
    parser.add_argument("--learners", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=271828)
    parser.add_argument("--repeat", type=int, default=2, help="zips made (and distance tables read) in a row")
    args = parser.parse_args()
    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.levels import _seed as results_seed
    from benchmarks.support import learners_ensure
    from jobs import queue

    settings.DEBUG = False
    # The job runs here, in this process: nothing goes to a broker.
    queue.job_run_queue = lambda job_id: None
    call_command("migrate", verbosity=0)
    learners_ensure(args.learners)
    count = results_seed(16)
    _attainment()
    _summary()
    load = os.getloadavg()
    print(f"database: {connection.vendor}; {count:,} records x 16 results; load average {load[0]:.1f} {load[1]:.1f}")
    auditor = _auditor()
    for run in range(args.repeat):
        _sample(args.sample, args.seed + run, auditor)
    _distance(max(3, args.repeat))


if __name__ == "__main__":
    main()
