"""How much evidence-pack work one click may ask for: a cap per zip, one job at a time each, and room on the disk.

"Select all N matching this filter" can pick every record: without these a
tutor's two clicks queued two 50,000-record zips (hours of a worker, gigabytes
kept for a week). More than EVIDENCE_ZIP_MAX_RECORDS is a command-line export
(`manage.py bksb_evidence_packs`), which an administrator runs where the disk
is watched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma

from jobs.bounds import waiting_job_refusal
from jobs.kinds import job_kind
from permissions.access import AnyUser

# A pack is 30-40 KB (the fonts' subsets and the tables); the estimate errs high.
PACK_BYTES = 48 * 1024
MB = 1024 * 1024


def evidence_packs_refusal(*, kind: str, count: int, started_by: AnyUser) -> str:
    """Why a zip of `count` records may not be queued for this person now, or '' when it may."""
    cap = settings.EVIDENCE_ZIP_MAX_RECORDS
    if count > cap:
        return (
            f"You selected {intcomma(count)} records; an evidence zip holds at most {intcomma(cap)}. "
            "Narrow the filter, or ask an administrator for a command-line export "
            "(python manage.py bksb_evidence_packs), which has no such limit."
        )
    what = job_kind(kind).title.lower()
    return waiting_job_refusal(kind=kind, what=what, started_by=started_by) or disk_refusal(needed=count * PACK_BYTES)


def disk_refusal(*, needed: int, where: Path | None = None) -> str:
    """Why the disk (under VAR_DIR, or `where`) has no room for `needed` more bytes and the floor kept free, or ''."""
    free = shutil.disk_usage(where or Path(settings.VAR_DIR)).free
    floor = settings.EVIDENCE_MIN_FREE_MB * MB
    if free - needed >= floor:
        return ""
    return (
        f"The server's disk has {intcomma(free // MB)} MB free; this needs about {intcomma(needed // MB + 1)} MB "
        f"and {intcomma(floor // MB)} MB must stay free. Ask an administrator to free space, or select fewer records."
    )
