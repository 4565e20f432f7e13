"""Time the ILR import as the Import learners job, show its memory stays flat, and time the filtered list.

A synthetic ILR file (learners.ilr.sample: the public schema's shapes, with the
personal data the import skips) of --learners learners with three aims each is
imported by the job, run in the foreground as a worker runs it, in a process of
its own; a file a tenth the size is imported the same way first, so the two
processes' peak memory (VmHWM) can be compared. Then the same file again
(nothing changes), then the first learner list page with the programme filters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bksbmis_bench_ilr .venv/bin/python benchmarks/ilr_import.py
    make bench-ilr

The database must be migrated. Each run adds learners under fresh references, so
point it at a database kept for benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
os.environ.setdefault("DEBUG", "True")

from benchmarks.support import page_timing, peak_rss_mb  # noqa: E402


def ilr_write(path: Path, *, learners: int, run: str) -> None:
    """learners learners, three aims each: a mix of study programmes, adults, apprentices and high needs."""
    from learners.ilr.sample import SampleAim, SampleLearner, ilr_file_write, uln_with_check_digit

    def one(n: int) -> SampleLearner:
        nine = f"{100000000 + n * 7:09d}"[:9]
        uln = uln_with_check_digit(nine) or "9999999999"
        kind = n % 4
        fund_model = (25, 35, 36, 25)[kind]
        programme = {"prog_type": 25, "std_code": 123} if kind == 2 else {}
        aims = [
            SampleAim(
                1, "ZPROG001", fund_model, "2025-09-01", "2026-06-30", aim_type=1 if kind == 2 else 5, **programme
            ),
            SampleAim(2, "60350581", fund_model, "2025-09-01", "2026-06-30", aim_type=3, fams=[("EMH", "52")]),
            SampleAim(3, "6035060X", fund_model, "2025-09-01", "2026-06-30", aim_type=3, fams=[("MMH", "43")]),
        ]
        return SampleLearner(
            f"B{run}{n:07d}", uln, f"First{n}", "Ilr", birth="2007-05-17" if kind in (0, 3) else "1990-05-17",
            eng_grade=("4", "3", "NONE", "2")[kind], math_grade=("3", "5", "2", "U")[kind], prior_level="2",
            fams=[("HNS", "1")] if kind == 3 else [], aims=aims,
        )  # fmt: skip

    ilr_file_write(path, (one(n) for n in range(learners)))


def child(path: Path) -> None:
    """Import one file as the job, in this process; print seconds and peak memory as JSON."""
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # DEBUG keeps the last 9,000 queries' SQL: memory the product does not spend
    from jobs import queue
    from jobs.models import Job
    from jobs.services import job_run
    from learners.ilr.job import ilr_import_start
    from learners.import_files import staged_ilr_save

    queue.job_run_queue = lambda job_id: None  # run here, in the foreground, instead of on a worker
    before = peak_rss_mb(os.getpid())
    started = time.perf_counter()
    with path.open("rb") as stream:
        token = staged_ilr_save(iter(lambda: stream.read(1 << 20), b""))
    job = ilr_import_start(token=token, skip_invalid=False, dry_run=False, started_by=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    seconds = time.perf_counter() - started
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"the import job ended {job.status}: {job.message}")
    peak = peak_rss_mb(os.getpid())
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "before_mb": before, "message": job.message}))


def _run_child(path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _list_timing(repeat: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from learners.models import Learner
    from permissions.roles import roles_ensure

    groups = roles_ensure()
    user, _ = get_user_model().objects.get_or_create(username="bench.manager", defaults={"is_staff": True})
    user.groups.add(groups["Managers"])
    client = Client()
    client.force_login(user)
    client.get("/learners/")  # warm up connections and template caches
    print(f"learner list at {Learner.objects.count():,} records:")
    for params in ({}, {"provision": "adults"}, {"provision": "young_people", "em_aim": "maths"}, {"aim": "60350581"}):
        median, worst, queries = page_timing(client, "/learners/", params, repeat)
        print(f"  {params or 'no filter'}: median {median:.0f} ms, worst {worst:.0f} ms, {queries} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--list-only", action="store_true", help="time the list only, on the learners already there")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.list_only:
        _list_timing(args.repeat)
        return
    run = secrets.token_hex(2)[:3]
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.xml", Path(folder) / "large.xml"
        ilr_write(small, learners=args.learners // 10, run=run + "s")
        ilr_write(large, learners=args.learners, run=run)
        print(f"file: {args.learners:,} learners, {args.learners * 3:,} aims, {large.stat().st_size / 1e6:.0f} MB")
        for label, path, count in (
            ("small file", small, args.learners // 10),
            ("create", large, args.learners),
            ("unchanged", large, args.learners),
        ):
            result = _run_child(path)
            print(
                f"{label}: {count:,} learners in {result['seconds']:.1f} s = {count / float(result['seconds']):,.0f}"  # type: ignore[arg-type]
                f" learners/s; peak memory {result['peak_mb']:.0f} MB (after start-up {result['before_mb']:.0f} MB)"
            )
    _list_timing(args.repeat)


if __name__ == "__main__":
    main()
