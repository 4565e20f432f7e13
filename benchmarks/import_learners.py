"""Time `manage.py import_learners` on a generated CSV against the configured database.

    .venv/bin/python benchmarks/import_learners.py --rows 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_import .venv/bin/python benchmarks/import_learners.py

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


def timed_import(path: Path, rows: int, label: str) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("import_learners", str(path))
    seconds = time.perf_counter() - started
    print(f"{label}: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    run = secrets.token_hex(3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "learners.csv"
        csv_write(path, rows=args.rows, run=run, surname="Created")
        timed_import(path, args.rows, "create")
        csv_write(path, rows=args.rows, run=run, surname="Updated")
        timed_import(path, args.rows, "update")
        timed_import(path, args.rows, "unchanged")


if __name__ == "__main__":
    main()
