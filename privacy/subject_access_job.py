"""The subject access export as a background job: one zip of the learner's data as JSON and as a PDF.

The zip is written as `subject-access-job-<id>.zip.part` (0600, in a 0700 folder) and moved into place once
whole; only the person who started the job downloads it, from the window. Making it is recorded in the audit
trail. Zips older than a week are removed when another export starts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import zipfile
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from bksbmis.private_files import private_file
from jobs.kinds import JobEnd, JobKind, JobRefused
from jobs.models import Job
from jobs.services import job_progress, job_start
from learners.models import Learner
from permissions import access
from privacy.export_files import KIND, subject_access_dir, subject_access_zip_path
from privacy.models import PrivacyEvent
from privacy.subject_access import HeldTable, subject_access_tables
from privacy.subject_access_pdf import subject_access_pdf

# The zip's name as it is downloaded (a format of the job: jobs.views.job_file_response).
SUBJECT_ACCESS_FILENAME = "subject-access-{job.params[learner_id]}-{job.pk}.zip"
KEEP_ZIPS = dt.timedelta(days=7)
JSON_NAME, PDF_NAME = "subject-access.json", "subject-access.pdf"


def subject_access_start(*, learner: Learner, started_by: User) -> Job:
    """Queue the export of this record."""
    _remove_old_zips()
    return job_start(kind=KIND, started_by=started_by, params={"learner_id": learner.pk}, total=1)


def subject_access_run(job: Job) -> JobEnd:
    learner = Learner.objects.filter(pk=job.params.get("learner_id") or 0).first()
    if learner is None:
        raise JobRefused("The record no longer exists: there is nothing to export.")
    job_progress(job, stage="Gathering the record's data")
    tables = subject_access_tables(learner=learner)
    made_at, made_by = timezone.now(), job.started_by.get_username() if job.started_by else "Command line"
    job_progress(job, stage="Writing the zip")
    partial = private_file(subject_access_zip_path(job).with_suffix(".zip.part"))
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, subject_access_json(learner=learner, tables=tables, made_at=made_at))
        archive.writestr(PDF_NAME, subject_access_pdf(learner=learner, tables=tables, made_at=made_at, made_by=made_by))
    rows = sum(len(table.rows) for table in tables)
    with transaction.atomic():
        os.replace(partial, subject_access_zip_path(job))
        PrivacyEvent.objects.create(
            action=PrivacyEvent.Action.SUBJECT_ACCESS,
            by=job.started_by,
            record_id=learner.pk,
            record_label=learner.learner_ref,
            counts={"done": {table.label: len(table.rows) for table in tables}},
        )
        job_progress(job, done=1)
    return JobEnd(f"The export holds {rows} rows from {len(tables)} tables, as JSON and as a PDF.")


def subject_access_json(*, learner: Learner, tables: list[HeldTable], made_at: dt.datetime) -> str:
    document = {
        "learner_id": learner.pk,
        "learner_ref": learner.learner_ref,
        "made_at": made_at,
        "tables": [{"table": table.label, "title": table.title, "rows": table.rows} for table in tables],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _remove_old_zips() -> None:
    cutoff = time.time() - KEEP_ZIPS.total_seconds()
    for old in subject_access_dir().glob("subject-access-job-*.zip*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def subject_access_context(job: Job) -> dict[str, Any]:
    ready = job.status == Job.Status.SUCCEEDED and subject_access_zip_path(job).exists()
    return {"zip_ready": ready, "learner_id": job.params.get("learner_id")}


SUBJECT_ACCESS_EXPORT = JobKind(
    code=KIND,
    title="Subject access export",
    unit="records",
    run=subject_access_run,
    may_run=access.can_export_subject_access,
    template="privacy/_subject_access_job.html",
    context=subject_access_context,
)
