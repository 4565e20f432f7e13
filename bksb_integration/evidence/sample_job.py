"""The auditor's sample pack: one zip holding each sampled record's evidence pack, a manifest and a cover.

It is the evidence packs job (evidence/packs_job.py) with two more entries:

- `manifest.csv`: one row per pack (reference, ULN, file, SHA-256 of the file), then one per reference that
  matched no record and per record whose pack could not be made, each saying so;
- `cover.pdf` (evidence/sample_cover.py): the same list, when and by whom the sample was made, how it was
  chosen (the seed, when drawn at random), and how to check a file's fingerprint.

The same bounds hold (a cap, one job at a time each, room on the disk), each pack is recorded in the audit
trail as any evidence pack is, and the sample itself is on the audit trail as this job (bksb_integration/audit.py).
"""

from __future__ import annotations

import zipfile
from typing import IO, Any

from django.contrib.auth.models import User
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bksb_integration.evidence.packs_job import (
    FAILED,
    MADE,
    MISSING,
    EvidencePacksRefused,
    evidence_packs_context,
    pack_written_of,
    packs_end,
    packs_job_start,
    packs_zip_write,
)
from bksb_integration.evidence.sample import ManifestLine, SampleChoice
from bksb_integration.evidence.sample_cover import cover_pdf
from bksbmis.csv_export import csv_lines
from jobs.kinds import JobEnd, JobKind
from jobs.models import Job, JobItem
from learners.models import Learner
from permissions import access

KIND = "bksb_audit_sample"
MANIFEST = "manifest.csv"
COVER = "cover.pdf"
MANIFEST_HEADER = ["reference", "uln", "file", "sha256", "note"]
NOT_FOUND_NOTE = "No record has this reference or ULN: no pack."
NOTES = {
    FAILED: "Its pack could not be made (the error is logged for an administrator).",
    MISSING: "The record was deleted before its pack was made.",
}
# At most this many unmatched references are kept with the job (the rest are counted).
NOT_FOUND_KEPT = 2000


def audit_sample_start(*, choice: SampleChoice, started_by: User, cohort: str = "") -> Job:
    """Queue the sample's zip; EvidencePacksRefused (nothing queued) when it holds no record or is past the bounds.

    `cohort` names the filters a random sample was drawn from, in words, for the cover.
    """
    if not choice.learners:
        raise EvidencePacksRefused("No record matches: there is nothing to put in an audit sample.")
    params: dict[str, object] = {
        "not_found": choice.not_found[:NOT_FOUND_KEPT],
        "not_found_count": len(choice.not_found),
        "seed": choice.seed,
        "cohort_size": choice.cohort_size,
        "cohort": cohort,
    }
    learners = Learner.objects.filter(pk__in=choice.ids)
    return packs_job_start(kind=KIND, learners=learners, started_by=started_by, params=params)


def audit_sample_run(job: Job) -> JobEnd:
    packs_zip_write(job, closing=lambda archive: _manifest_and_cover_write(job, archive))
    unknown = int(job.params.get("not_found_count") or 0)
    extra = f"{unknown} reference{pluralize(unknown)} matched no record: listed in the manifest." if unknown else ""
    return packs_end(job, extra=extra)


def manifest_lines(job: Job) -> list[ManifestLine]:
    """The packs in the zip, then the references that matched nothing and the records not packed (two queries)."""
    items = list(JobItem.objects.filter(job=job).order_by("position"))
    with_uln = job.started_by is not None and access.can_view_prior_attainment(job.started_by)
    ulns = dict(Learner.objects.filter(pk__in=[item.subject_id for item in items]).values_list("pk", "uln"))
    made, not_made = [], []
    for item in items:
        uln = ulns.get(item.subject_id or 0, "") if with_uln else ""
        if item.outcome == MADE:
            sha256, filename = pack_written_of(item.detail)
            made.append(ManifestLine(item.subject, uln, filename, sha256, ""))
        else:
            not_made.append(ManifestLine(item.subject, uln, "", "", NOTES.get(item.outcome, item.message)))
    unknown = [ManifestLine(reference, "", "", "", NOT_FOUND_NOTE) for reference in job.params.get("not_found", [])]
    return [*made, *unknown, *not_made]


def _manifest_and_cover_write(job: Job, archive: zipfile.ZipFile) -> None:
    lines = manifest_lines(job)
    rows = [MANIFEST_HEADER, *([line.reference, line.uln, line.file, line.sha256, line.note] for line in lines)]
    entry: IO[bytes]
    with archive.open(MANIFEST, "w") as entry:
        entry.write("".join(csv_lines(rows)).encode("utf-8"))
    made_by = job.started_by.get_username() if job.started_by is not None else "Command line"
    with archive.open(COVER, "w") as entry:
        entry.write(cover_pdf(job=job, lines=lines, made_by=made_by, made_at=timezone.now()))


def audit_sample_context(job: Job) -> dict[str, Any]:
    return {
        **evidence_packs_context(job),
        "not_found": job.params.get("not_found", []),
        "not_found_count": job.params.get("not_found_count", 0),
    }


BKSB_AUDIT_SAMPLE = JobKind(
    code=KIND,
    title="Audit sample",
    unit="records",
    run=audit_sample_run,
    may_run=access.can_see_bksb_records,
    template="bksb_integration/evidence/_sample_job.html",
    context=audit_sample_context,
)
