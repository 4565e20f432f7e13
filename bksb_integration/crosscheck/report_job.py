"""A large cohort's cross-check as a background job: it writes the report's CSV, a chunk of records at a time.

Above CROSSCHECK_INLINE_MAX records the page does not check them itself; Make the report
starts this job, whose window offers the CSV to the person who started it. The CSV is
written as `job-<id>.csv.part` (0600, in a 0700 folder) and moved into place when whole, so a
job tried again after its worker died writes it again from the start. CSVs are removed a
week on, when another job starts.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.template.defaultfilters import pluralize

from bksb_integration.crosscheck.findings import Finding
from bksb_integration.crosscheck.report import FindingFilter, findings_all, findings_csv_lines, learners_checked
from bksbmis.private_files import private_dir, private_file
from jobs.kinds import JobEnd, JobKind
from jobs.models import Job
from jobs.services import job_progress, job_start
from learners.caseload import caseload_learners
from permissions import access

KIND = "bksb_ilr_crosscheck"
KEEP_CSVS = dt.timedelta(days=7)


def crosscheck_dir() -> Path:
    return private_dir(Path(settings.VAR_DIR) / "crosscheck")


def crosscheck_csv_path(job: Job) -> Path:
    return crosscheck_dir() / f"job-{job.pk}.csv"


def crosscheck_job_start(*, chosen: FindingFilter, started_by: User) -> Job:
    """Queue the report of the records checked (narrowed by the filters) as a CSV."""
    _remove_old_csvs()
    total = learners_checked(provision=chosen.provision, among=caseload_learners(started_by)).count()
    params: dict[str, object] = {**chosen.as_params()}
    return job_start(kind=KIND, started_by=started_by, params=params, total=total)


def crosscheck_job_run(job: Job) -> JobEnd:
    chosen = FindingFilter.from_query(job.params)
    if job.done:
        job_progress(job, done=-job.done)  # tried again: its CSV is written again from the start
    among = caseload_learners(job.started_by)  # the records its maker may see
    job_progress(job, stage="Checking records", total=learners_checked(provision=chosen.provision, among=among).count())
    partial = private_file(crosscheck_csv_path(job).with_suffix(".csv.part"))
    counted = [0]

    def counting(findings: Iterator[Finding]) -> Iterator[Finding]:
        for finding in findings:
            counted[0] += 1
            yield finding

    findings = findings_all(chosen=chosen, among=among, on_chunk=lambda records: job_progress(job, done=records))
    with partial.open("w", encoding="utf-8", newline="") as out:
        for line in findings_csv_lines(counting(findings)):
            out.write(line)
    os.replace(partial, crosscheck_csv_path(job))
    job_progress(job, mark={"findings": counted[0]})
    n = counted[0]
    return JobEnd(f"{n} finding{pluralize(n)} for {job.total} record{pluralize(job.total)}: download the CSV.")


def _remove_old_csvs() -> None:
    cutoff = time.time() - KEEP_CSVS.total_seconds()
    for old in crosscheck_dir().glob("job-*.csv*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def crosscheck_job_context(job: Job) -> dict[str, Any]:
    ready = job.status == Job.Status.SUCCEEDED and crosscheck_csv_path(job).exists()
    return {"csv_ready": ready, "findings": job.totals["findings"]}


BKSB_ILR_CROSSCHECK = JobKind(
    code=KIND,
    title="ILR cross-check",
    unit="records",
    run=crosscheck_job_run,
    may_run=access.can_see_ilr_crosscheck,
    template="bksb_integration/crosscheck/_report_job.html",
    context=crosscheck_job_context,
)
