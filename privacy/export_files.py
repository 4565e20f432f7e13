"""Where subject access exports are kept (0600 files in a 0700 folder), and their removal.

Anonymising a record removes its exports too: a zip of what an erasure deleted must not outlive it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from django.conf import settings

from bksbmis.private_files import private_dir
from jobs.models import Job

KIND = "privacy_subject_access"


def subject_access_dir() -> Path:
    return private_dir(Path(settings.VAR_DIR) / "subject-access")


def subject_access_zip_path(job: Job) -> Path:
    return subject_access_dir() / f"subject-access-job-{job.pk}.zip"


def subject_access_zips_remove(*, learner_ids: Collection[int]) -> int:
    """Remove the exports (whole or half-written) of these records; how many files went."""
    removed = 0
    for job in Job.objects.filter(kind=KIND, params__learner_id__in=list(learner_ids)).only("pk"):
        path = subject_access_zip_path(job)
        for found in (path, path.with_suffix(".zip.part")):
            if found.exists():
                found.unlink(missing_ok=True)
                removed += 1
    return removed
