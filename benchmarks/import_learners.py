"""Time the learner CSV import on a generated CSV against the configured database.

Both ways in go through the same chunked service (learners.importing: the whole file
checked, then a transaction per CHUNK_ROWS rows): `manage.py import_learners`, and
with --job the web page's background job (a staged file, run in the foreground here
as a worker would run it).

    .venv/bin/python benchmarks/import_learners.py --rows 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_import .venv/bin/python benchmarks/import_learners.py
    make bench-import BENCH_IMPORT_ARGS="--rows 100000 --job"

The database must be migrated. Each run uses fresh learner refs and web usernames (and
leaves them there), so point it at a database kept for benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
# The embedded defaults (keys made under ./var), as `make demo` runs them.
os.environ.setdefault("DEBUG", "True")


def csv_write(path: Path, *, rows: int, run: str, surname: str) -> None:
    """rows learners; two in three with a web user, every tenth an applicant."""
    from learners.importing import COLUMNS

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            writer.writerow([
                f"B{run}{n:07d}", "applicant" if n % 10 == 0 else "learner", f"First{n}", surname,
                f"b{run}.{n}@example.ac.uk", "2004-05-17", "Live", "In Learning", "2025-09-01", "",
                f"bench.{run}.{n}" if n % 3 else "", "yes" if n % 2 else "no", "",
            ])  # fmt: skip


def timed_import(path: Path, rows: int, label: str, *, job: bool = False) -> None:
    started = time.perf_counter()
    if job:
        _job_import(path)
    else:
        from django.core.management import call_command

        call_command("import_learners", str(path))
    seconds = time.perf_counter() - started
    print(f"{label}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s")


def _job_import(path: Path) -> None:
    """The Import learners page's confirm: stage the file, start the job, and run it as a worker does."""
    from jobs import queue
    from jobs.models import Job
    from jobs.services import job_run
    from learners.import_files import staged_file_save
    from learners.import_job import learner_import_start

    queue.job_run_queue = lambda job_id: None  # run here, in the foreground, instead of on a worker
    token = staged_file_save(path.read_text(encoding="utf-8"))
    job = learner_import_start(token=token, skip_invalid=False, started_by=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"the import job ended {job.status}: {job.message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--job", action="store_true", help="import as the web page's background job does")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from learners.importing import CHUNK_ROWS

    way = "the Import learners job" if args.job else "manage.py import_learners"
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {way}, {CHUNK_ROWS:,} rows a chunk")
    run = secrets.token_hex(3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "learners.csv"
        csv_write(path, rows=args.rows, run=run, surname="Created")
        timed_import(path, args.rows, "create", job=args.job)
        csv_write(path, rows=args.rows, run=run, surname="Updated")
        timed_import(path, args.rows, "update", job=args.job)
        timed_import(path, args.rows, "unchanged", job=args.job)


if __name__ == "__main__":
    main()
