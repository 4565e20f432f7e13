"""Tools > Import learners' confirm, as a background job: check the staged file again, then write it in chunks.

Each chunk's rows, the job's counts and the last line written commit together, so a
job that stops (a worker killed, an error) carries on after that line when resumed,
and the staged file is kept until the job has ended.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User

from jobs.kinds import JobEnd, JobFailed, JobKind, JobRefused
from jobs.models import Job, JobItem
from jobs.services import job_progress, job_start
from learners.ilr.job import ilr_job_context, ilr_job_run
from learners.import_files import staged_file_delete, staged_file_read
from learners.import_rows import RowError
from learners.import_warnings import RowWarning
from learners.importing import ChunkWritten, ImportFileError, learners_import_plan, learners_import_write
from permissions.access import can_import_learners

KIND = "learner_import"
REFUSED, WARNING = "refused", "warning"
COUNTS = ("rows", "created", "updated", "unchanged", "web_users_created", "web_users_renamed")
ITEMS_SHOWN = 500
GONE = "The checked file is no longer there (files are kept for a day): upload it again."
BAD_ROWS = (
    "Nothing was imported: the file now has bad rows (the records changed since it was checked). "
    "Correct them and upload it again."
)


def learner_import_start(*, token: str, skip_invalid: bool, started_by: User | None) -> Job:
    """Queue the import of a staged, checked file."""
    return job_start(kind=KIND, started_by=started_by, params={"token": token, "skip_invalid": skip_invalid})


def learner_import_run(job: Job) -> JobEnd:
    """Check the whole file again, then write its good rows a chunk at a time, after the last line written.

    An ILR file (params format "ilr") is checked and written by learners.ilr.job.
    """
    if job.params.get("format") == "ilr":
        return ilr_job_run(job)
    token = job.params.get("token")
    text = staged_file_read(token)
    if text is None:
        raise JobFailed(GONE)
    after_line = job.totals["through_line"]
    job_progress(job, stage="Checking the file")
    try:
        plan = learners_import_plan(rows=io.StringIO(text, newline=""))
    except ImportFileError as exc:
        staged_file_delete(token)
        raise JobRefused(str(exc)) from None
    _items_replace(job, plan.refused, plan.warnings, after_line=after_line)
    if plan.refused and not job.params.get("skip_invalid") and not after_line:
        staged_file_delete(token)
        raise JobRefused(BAD_ROWS)
    job_progress(job, stage="Importing", total=plan.rows)

    def chunk_done(chunk: ChunkWritten) -> None:
        added = {name: getattr(chunk, name) for name in COUNTS} | {"refused_at_writing": len(chunk.refused)}
        JobItem.objects.bulk_create([_refused_item(job, error) for error in chunk.refused])
        job_progress(
            job, done=chunk.rows, failed=len(chunk.refused), add=added, mark={"through_line": chunk.through_line}
        )

    learners_import_write(plan=plan, history_user=job.started_by, after_line=after_line, on_chunk=chunk_done)
    staged_file_delete(token)
    totals = job.totals
    return JobEnd(import_sentence(totals), partial=bool(totals["refused_at_writing"]))


def _items_replace(job: Job, refused: list[RowError], warnings: list[RowWarning], *, after_line: int) -> None:
    """The check's bad rows and warnings as the job's items; those up to after_line stand from before."""
    JobItem.objects.filter(job=job, position__gt=after_line).delete()
    items = [_refused_item(job, error) for error in refused if error.line > after_line]
    items += [
        JobItem(job=job, position=w.line, subject=w.learner_ref, outcome=WARNING, ok=True, message=w.message)
        for w in warnings
        if w.line > after_line
    ]
    JobItem.objects.bulk_create(items, batch_size=1000)


def _refused_item(job: Job, error: RowError) -> JobItem:
    return JobItem(
        job=job, position=error.line, subject=error.learner_ref, outcome=REFUSED, message="\n".join(error.reasons)
    )


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def import_sentence(totals: Mapping[str, int]) -> str:
    """ "Imported 2 rows: 1 created, ..." from a job's running totals."""
    count = {name: int(totals.get(name, 0)) for name in COUNTS}
    return (
        f"Imported {_plural(count['rows'], 'row')}: {count['created']:,} created, {count['updated']:,} updated, "
        f"{count['unchanged']:,} unchanged, {_plural(count['web_users_created'], 'web user')} created, "
        f"{count['web_users_renamed']:,} renamed."
    )


def learner_import_context(job: Job) -> dict[str, Any]:
    """The window's import part: the counts so far, and once finished the warnings and rows left out."""
    if job.params.get("format") == "ilr":
        return ilr_job_context(job)
    totals = job.totals
    context: dict[str, Any] = {"counts": {name: totals[name] for name in COUNTS}}
    if job.is_finished:
        items = JobItem.objects.filter(job=job).order_by("position", "pk")
        refused = items.filter(outcome=REFUSED)
        warnings = items.filter(outcome=WARNING)
        context |= {
            "refused": [RowError(i.position, i.subject, tuple(i.message.split("\n"))) for i in refused[:ITEMS_SHOWN]],
            "refused_count": refused.count(),
            "warnings": [RowWarning(i.position, i.subject, i.message) for i in warnings[:ITEMS_SHOWN]],
            "warnings_count": warnings.count(),
            "written": job.status in (Job.Status.SUCCEEDED, Job.Status.PARTIAL),
        }
    return context


LEARNER_IMPORT = JobKind(
    code=KIND,
    title="Import learners",
    unit="rows",
    run=learner_import_run,
    may_run=can_import_learners,
    template="learners/_import_job.html",
    context=learner_import_context,
)
