"""An ILR file's import as a background job (the Import learners job, learners.import_job, hands it over).

The job checks the whole staged file, refuses it with its bad learners listed
(unless skip invalid), then writes it a chunk per transaction; each chunk's
rows, the job's counts and the last learner written commit together, so a
resumed job carries on after it. The uploaded file is deleted when the job ends,
whatever the outcome: the ILR holds personal data the product does not keep.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from jobs.kinds import JobEnd, JobFailed, JobRefused
from jobs.models import Job, JobItem
from jobs.services import job_progress, job_start
from learners.ilr.importing import IlrCheck, IlrCounts, ilr_import
from learners.ilr.reader import IlrFileError, IlrLearnerError
from learners.ilr.report import ilr_counts_sentence
from learners.import_files import staged_file_delete, staged_ilr_path

KIND = "learner_import"
REFUSED = "refused"
ITEMS_SHOWN = 500
GONE = "The uploaded ILR file is no longer there (files are kept for a day): upload it again."
BAD_LEARNERS = "Nothing was imported: the file has bad learners (listed below). Correct them and upload it again."


def ilr_import_start(*, token: str, skip_invalid: bool, dry_run: bool, started_by: User | None) -> Job:
    """Queue the check (dry run) or import of a staged ILR file."""
    params = {"token": token, "skip_invalid": skip_invalid, "dry_run": dry_run, "format": "ilr"}
    return job_start(kind=KIND, started_by=started_by, params=params)


def ilr_job_run(job: Job) -> JobEnd:
    token = job.params.get("token")
    path = staged_ilr_path(token)
    if path is None:
        raise JobFailed(GONE)
    after = job.totals["through_position"]
    dry_run, skip_invalid = bool(job.params.get("dry_run")), bool(job.params.get("skip_invalid"))
    job_progress(job, stage="Checking the file")

    def checked(check: IlrCheck) -> None:
        JobItem.objects.filter(job=job).delete()
        JobItem.objects.bulk_create([_item(job, error) for error in check.refused], batch_size=1000)
        good = check.counts.learners
        job_progress(job, stage="Importing", total=good)

    def chunk_done(through: int, counts: IlrCounts) -> None:
        job_progress(job, done=counts.learners, add=counts.as_dict(), mark={"through_position": through})

    try:
        summary = ilr_import(
            path=path,
            skip_invalid=skip_invalid or after > 0,
            dry_run=dry_run,
            history_user=job.started_by,
            on_read=lambda read: job_progress(job, stage=f"Checking the file: {read:,} learners read"),
            on_check=checked,
            on_chunk=chunk_done,
            after_position=after,
        )
    except IlrFileError as exc:
        staged_file_delete(token)
        raise JobRefused(str(exc)) from None
    staged_file_delete(token)
    if dry_run:
        sentence = f"Checked the {summary.year} ILR file (dry run, nothing written): would be "
        job_progress(job, mark=summary.counts.as_dict())
        return JobEnd(sentence + ilr_counts_sentence(summary.counts) + ".", partial=bool(summary.refused))
    if not summary.written:
        raise JobRefused(BAD_LEARNERS)
    stored = job.totals
    totals = IlrCounts(**{name: stored[name] for name in IlrCounts().as_dict()})
    message = f"Imported the {summary.year} ILR file, {ilr_counts_sentence(totals)}. The uploaded file is deleted."
    return JobEnd(message, partial=bool(summary.refused))


def _item(job: Job, error: IlrLearnerError) -> JobItem:
    return JobItem(
        job=job, position=error.position, subject=error.learn_ref, outcome=REFUSED, message="\n".join(error.reasons)
    )


def ilr_job_context(job: Job) -> dict[str, Any]:
    """The window's part: the counts so far, and once finished the learners refused, each with its elements."""
    stored = job.totals
    counts = {name: stored[name] for name in IlrCounts().as_dict()}
    context: dict[str, Any] = {"ilr": True, "counts": counts, "dry_run": bool(job.params.get("dry_run"))}
    if job.is_finished:
        refused = JobItem.objects.filter(job=job, outcome=REFUSED).order_by("position", "pk")
        context |= {
            "refused_learners": [
                IlrLearnerError(i.position, 0, i.subject, tuple(i.message.split("\n"))) for i in refused[:ITEMS_SHOWN]
            ],
            "refused_count": refused.count(),
            "written": job.status in (Job.Status.SUCCEEDED, Job.Status.PARTIAL) and not context["dry_run"],
        }
    return context
