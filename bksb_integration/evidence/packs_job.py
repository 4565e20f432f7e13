"""Evidence packs for many records at once: a background job that writes one PDF per record into a zip.

Each record is a job item. Its PDF is made in memory and written straight into
its entry of the zip (no loose PDFs on the disk), then the pack is recorded
(audit trail) with the item's outcome. A record whose pack cannot be made is a
failed item, named in the window, and the zip is made with the rest.

The zip is written as `job-<id>.zip.part` (0600, in a 0700 folder) and moved
into place as `job-<id>.zip` once every item is done; the person who started
the job downloads it from the window. A half-written zip cannot be read, so a
job resumed after its worker died writes its zip again from the start (its
packs are made, and recorded, again). Zips older than a week are removed when
another job starts. How much one click may ask for: evidence/bounds.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import pluralize

from bksb_integration.evidence.bounds import disk_refusal, evidence_packs_refusal
from bksb_integration.evidence.pack import EvidenceContent, evidence_content, evidence_pack_record
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.levels.funding import Thresholds
from bksbmis.private_files import private_dir, private_file
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.models import Job, JobItem
from jobs.services import job_item_finish, job_items_pending, job_progress, job_start
from learners.models import Learner
from permissions import access

logger = logging.getLogger(__name__)

KIND = "bksb_evidence_packs"
KEEP_ZIPS = dt.timedelta(days=7)
MADE, MISSING, FAILED = "made", "missing", "failed"
NOT_MADE = "Its pack could not be made (the error is logged for an administrator); the zip holds the others."
FAILURES_SHOWN = 100


class EvidencePacksRefused(Exception):
    """Nothing was queued: the message says why (too many records, a job already under way, no disk)."""


def evidence_dir() -> Path:
    return private_dir(Path(settings.VAR_DIR) / "evidence")


def evidence_zip_path(job: Job) -> Path:
    return evidence_dir() / f"job-{job.pk}.zip"


def pack_filename(learner: Learner) -> str:
    """evidence-pack-<reference>-<record id>.pdf, the reference's characters other than letters, digits, dash and
    underscore made dashes. Unique by construction: the name ends in the record's id, after the last dash."""
    ref = re.sub(r"[^A-Za-z0-9_-]+", "-", learner.learner_ref).strip("-")[:80] or "record"
    return f"evidence-pack-{ref}-{learner.pk}.pdf"


def evidence_packs_start(*, learners: QuerySet[Learner], started_by: User) -> Job:
    """Queue a zip of these records' packs; EvidencePacksRefused (nothing queued) past the bounds."""
    return packs_job_start(kind=KIND, learners=learners, started_by=started_by, params={})


def packs_job_start(*, kind: str, learners: QuerySet[Learner], started_by: User, params: dict[str, object]) -> Job:
    """Queue a job of this kind making these records' packs (one item each, in reference order), within the bounds
    (evidence/bounds.py): EvidencePacksRefused, nothing queued, past them."""
    _remove_old_zips()
    with transaction.atomic():
        # One person's two clicks at once wait here for each other, so only one job is queued.
        User.objects.select_for_update().filter(pk=started_by.pk).first()
        rows = list(learners.order_by("learner_ref").values_list("pk", "learner_ref"))
        refusal = evidence_packs_refusal(kind=kind, count=len(rows), started_by=started_by)
        if refusal:
            raise EvidencePacksRefused(refusal)
        items = [JobItem(subject_id=pk, subject=ref) for pk, ref in rows]
        return job_start(kind=kind, started_by=started_by, params=params, total=len(items), items=items)


def evidence_packs_run(job: Job) -> JobEnd:
    packs_zip_write(job)
    return packs_end(job)


def packs_zip_write(job: Job, *, closing: Callable[[zipfile.ZipFile], None] | None = None) -> None:
    """Each pending item's pack into the job's zip, then `closing` adds what the kind adds (the audit sample's
    manifest and cover), and the zip moves into place. Packs show prior attainment when the job's starter holds
    View prior attainment now."""
    _start_over(job)
    job_progress(job, stage="Making evidence packs")
    partial = private_file(evidence_zip_path(job).with_suffix(".zip.part"))
    made_by, thresholds = job.started_by, Thresholds.load()
    with_attainment = made_by is not None and access.can_view_prior_attainment(made_by)
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in job_items_pending(job):
            problem = disk_refusal(needed=0)
            if problem:
                raise JobFailed(f"Stopped: {problem} Then Try again.")
            _pack_item(job, item, archive, made_by=made_by, thresholds=thresholds, with_attainment=with_attainment)
        if closing is not None:
            job_progress(job, stage="Writing the manifest and cover")
            closing(archive)
    os.replace(partial, evidence_zip_path(job))


def _start_over(job: Job) -> None:
    """A resumed job's zip was never finished (and cannot be read): its items are made again into a new one."""
    done = JobItem.objects.filter(job=job).exclude(outcome__in=(JobItem.PENDING, JobItem.RUNNING))
    failed = done.filter(ok=False).count()
    again = done.update(outcome=JobItem.PENDING, ok=False, message="", finished_at=None)
    if again:
        job_progress(job, done=-again, failed=-failed)


def _pack_item(
    job: Job,
    item: JobItem,
    archive: zipfile.ZipFile,
    *,
    made_by: User | None,
    thresholds: Thresholds,
    with_attainment: bool,
) -> None:
    learner = Learner.objects.select_related("web_user__user").filter(pk=item.subject_id or 0).first()
    if learner is None:
        job_item_finish(job, item, outcome=MISSING, ok=False, message="The record no longer exists.")
        return
    written = pack_write(archive, learner, made_by=made_by, thresholds=thresholds, with_attainment=with_attainment)
    if written is None:
        job_item_finish(job, item, outcome=FAILED, ok=False, message=NOT_MADE)
        return
    content = written.content
    with transaction.atomic():
        evidence_pack_record(content=content, made_by=made_by, in_bulk=True)
        # The file's name and SHA-256, for a manifest (the audit sample's) to read back.
        job_item_finish(
            job, item, outcome=MADE, ok=True, message=f"{content.result_count} results", detail=written.detail
        )


@dataclass(frozen=True)
class PackWritten:
    """A pack in the zip: what it shows, its file's name and the SHA-256 of the file's bytes."""

    content: EvidenceContent
    filename: str
    sha256: str

    @property
    def detail(self) -> str:
        """ "<sha256> <file name>", as a job item keeps it (the name is at most ~110 characters)."""
        return f"{self.sha256} {self.filename}"


def pack_written_of(detail: str) -> tuple[str, str]:
    """(SHA-256, file name) from a job item's detail."""
    sha256, _, filename = detail.partition(" ")
    return sha256, filename


def pack_write(
    archive: zipfile.ZipFile,
    learner: Learner,
    *,
    made_by: User | None,
    thresholds: Thresholds,
    with_attainment: bool = False,
) -> PackWritten | None:
    """Write the record's pack straight into its zip entry; None (logged) when it cannot be made.

    bksb's answers are untrusted input: whatever one record's data does to the PDF
    must not stop the packs of the others.
    """
    try:
        content = evidence_content(
            learner=learner, made_by=made_by, thresholds=thresholds, with_attainment=with_attainment
        )
        pdf = evidence_pdf(content)
    except Exception:
        logger.exception("evidence pack of record %s could not be made", learner.pk)
        return None
    filename = pack_filename(learner)
    entry: IO[bytes]
    with archive.open(filename, "w") as entry:
        entry.write(pdf)
    return PackWritten(content, filename, hashlib.sha256(pdf).hexdigest())


def evidence_zip_write(*, learners: Iterable[Learner], archive: zipfile.ZipFile) -> tuple[int, list[Learner]]:
    """The command line's export (no cap): each record's pack into the archive, recorded; (made, failed records)."""
    thresholds, made, failed = Thresholds.load(), 0, []
    for learner in learners:
        # The command line's export carries every fact, prior attainment too (as levels/export.py does).
        written = pack_write(archive, learner, made_by=None, thresholds=thresholds, with_attainment=True)
        if written is None:
            failed.append(learner)
            continue
        evidence_pack_record(content=written.content, made_by=None, in_bulk=True)
        made += 1
    return made, failed


def packs_end(job: Job, *, extra: str = "") -> JobEnd:
    """The job's closing message: the packs made, and any record that could not be packed or no longer exists."""
    made = JobItem.objects.filter(job=job, outcome=MADE).count()
    failed = JobItem.objects.filter(job=job, outcome=FAILED).count()
    missing = JobItem.objects.filter(job=job, outcome=MISSING).count()
    if not made:
        raise JobFailed("No evidence pack could be made for the selected records: there is nothing to zip.")
    message = f"{made} evidence pack{pluralize(made)} in the zip."
    if failed:
        message += f" {failed} record{pluralize(failed)} could not be packed: see below."
    if missing:
        message += f" {missing} record{pluralize(missing)} no longer exist{pluralize(missing, 's,')}."
    return JobEnd(f"{message} {extra}".strip(), partial=bool(failed or missing))


def _remove_old_zips() -> None:
    cutoff = time.time() - KEEP_ZIPS.total_seconds()
    for old in evidence_dir().glob("job-*.zip*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def evidence_packs_context(job: Job) -> dict[str, Any]:
    ready = job.status in (Job.Status.SUCCEEDED, Job.Status.PARTIAL) and evidence_zip_path(job).exists()
    not_packed = JobItem.objects.filter(job=job, ok=False).exclude(outcome__in=(JobItem.PENDING, JobItem.RUNNING))
    return {
        "zip_ready": ready,
        "not_packed": list(not_packed.order_by("position")[:FAILURES_SHOWN]),
        "not_packed_count": not_packed.count(),
    }


BKSB_EVIDENCE_PACKS = JobKind(
    code=KIND,
    title="Evidence packs",
    unit="records",
    run=evidence_packs_run,
    may_run=access.can_see_bksb_records,
    template="bksb_integration/evidence/_packs_job.html",
    context=evidence_packs_context,
)
