"""Evidence packs for many records at once: a background job that writes one PDF per record, then a zip.

Each record is a job item: its PDF is written to the job's folder under
VAR_DIR/evidence and the pack recorded (audit trail) with the item's outcome,
so a job resumed after its worker was killed makes only the packs still
missing. Once every item is done the folder becomes `job-<id>.zip`, which the
person who started the job downloads from the window. Zips older than a week
are removed when another job starts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import pluralize

from bksb_integration.evidence.pack import evidence_content, evidence_pack_record
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.levels.funding import Thresholds
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.models import Job, JobItem
from jobs.services import job_item_finish, job_items_pending, job_progress, job_start
from learners.models import Learner
from permissions import access

KIND = "bksb_evidence_packs"
KEEP_ZIPS = dt.timedelta(days=7)
MADE, MISSING = "made", "missing"


def evidence_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def evidence_zip_path(job: Job) -> Path:
    return evidence_dir() / f"job-{job.pk}.zip"


def pack_filename(learner: Learner) -> str:
    """evidence-pack-<reference>.pdf; a reference with other characters than letters, digits, dot, dash and
    underscore has them made dashes and the record's id added, so two references never share a name."""
    ref = learner.learner_ref
    if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", ref):
        return f"evidence-pack-{ref}.pdf"
    return f"evidence-pack-{re.sub(r'[^A-Za-z0-9_-]+', '-', ref).strip('-')}-{learner.pk}.pdf"


def evidence_packs_start(*, learners: QuerySet[Learner], started_by: User) -> Job:
    _remove_old_zips()
    rows = learners.order_by("learner_ref").values_list("pk", "learner_ref")
    items = [JobItem(subject_id=pk, subject=ref) for pk, ref in rows]
    return job_start(kind=KIND, started_by=started_by, params={}, total=len(items), items=items)


def evidence_packs_run(job: Job) -> JobEnd:
    folder = evidence_dir() / f"job-{job.pk}"
    folder.mkdir(parents=True, exist_ok=True)
    job_progress(job, stage="Making evidence packs")
    made_by = job.started_by
    thresholds = Thresholds.load()
    for item in job_items_pending(job):
        learner = Learner.objects.select_related("web_user__user").filter(pk=item.subject_id or 0).first()
        if learner is None:
            job_item_finish(job, item, outcome=MISSING, ok=False, message="The record no longer exists.")
            continue
        content = evidence_content(learner=learner, made_by=made_by, thresholds=thresholds)
        (folder / pack_filename(learner)).write_bytes(evidence_pdf(content))
        with transaction.atomic():
            evidence_pack_record(content=content, made_by=made_by, in_bulk=True)
            job_item_finish(job, item, outcome=MADE, ok=True, message=f"{content.result_count} results")
    job_progress(job, stage="Zipping")
    count = _zip(folder, evidence_zip_path(job))
    failed = JobItem.objects.filter(job=job, ok=False).count()
    if not count:
        raise JobFailed("None of the selected records exists any more: there is nothing to zip.")
    message = f"{count} evidence pack{pluralize(count)} in the zip." + (
        f" {failed} record{pluralize(failed)} no longer exist{pluralize(failed, 's,')}." if failed else ""
    )
    return JobEnd(message, partial=bool(failed))


def _zip(folder: Path, target: Path) -> int:
    """Zip the folder's PDFs into target (written aside, then moved into place) and remove the folder."""
    pdfs = sorted(folder.glob("*.pdf"))
    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for pdf in pdfs:
            archive.write(pdf, arcname=pdf.name)
    os.replace(partial, target)
    shutil.rmtree(folder, ignore_errors=True)
    return len(pdfs)


def _remove_old_zips() -> None:
    cutoff = time.time() - KEEP_ZIPS.total_seconds()
    for old in evidence_dir().glob("job-*.zip"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def evidence_packs_context(job: Job) -> dict[str, Any]:
    ready = job.status in (Job.Status.SUCCEEDED, Job.Status.PARTIAL) and evidence_zip_path(job).exists()
    return {"zip_ready": ready}


BKSB_EVIDENCE_PACKS = JobKind(
    code=KIND,
    title="Evidence packs",
    unit="records",
    run=evidence_packs_run,
    may_run=access.can_see_bksb_records,
    template="bksb_integration/evidence/_packs_job.html",
    context=evidence_packs_context,
)
