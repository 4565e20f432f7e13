"""Recomputing the levels summaries after a mapping or tag rule change: now when few, else in the background.

The background job (the jobs app's window) goes through every record with
results in order of id, a chunk at a time; each chunk's summaries and tags and
the job's count commit together, so a job resumed after a worker was killed
carries on after the last chunk written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.contrib.auth.models import User
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bksb_integration.levels.summary import (
    CHUNK,
    RefreshCounts,
    learners_with_results,
    levels_refresh,
    levels_refresh_chunk,
)
from jobs.kinds import JobEnd, JobKind
from jobs.models import Job
from jobs.services import job_progress, job_start
from permissions.access import can_manage_bksb_settings

KIND = "bksb_levels_refresh"
# Up to this many records are recomputed at once, in the request; more go to a job.
INLINE_LIMIT = 500
TAG_COUNTS = ("tags_added", "tags_removed", "tags_changed")


def levels_refresh_after_change(
    *, learner_ids: Collection[int], reason: str, started_by: User | None
) -> RefreshCounts | Job:
    """Recompute these records now when they are few; otherwise start a job over every record with results."""
    if len(learner_ids) <= INLINE_LIMIT:
        return levels_refresh(learner_ids=learner_ids, reason=reason)
    return levels_refresh_start(reason=reason, started_by=started_by)


def levels_refresh_start(*, reason: str, started_by: User | None) -> Job:
    """A job over every record; one still waiting for a worker covers this change too (it reads the tables
    when it starts), so several changes in a row queue one job."""
    waiting = Job.objects.filter(kind=KIND, status=Job.Status.QUEUED).order_by("pk").first()
    if waiting is not None:
        return waiting
    return job_start(kind=KIND, started_by=started_by, params={"reason": reason[:100]})


def levels_refresh_run(job: Job) -> JobEnd:
    reason = str(job.params.get("reason", "Levels recomputed"))
    every = learners_with_results()
    todo = [learner_id for learner_id in every if learner_id > job.totals["after"]]
    job_progress(job, stage="Recomputing levels and tags", total=len(every))
    now = timezone.now()
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        counts = RefreshCounts()
        with transaction.atomic():
            levels_refresh_chunk(chunk, reason=reason, now=now, counts=counts)
            added = {name: getattr(counts, name) for name in TAG_COUNTS}
            job_progress(job, done=len(chunk), add=added, mark={"after": chunk[-1]})
    return JobEnd(levels_refresh_message(len(every), job.totals))


def levels_refresh_message(records: int, done: Mapping[str, int]) -> str:
    return (
        f"Levels recomputed for {records:,} record{pluralize(records)}. Tags: {done['tags_added']:,} added, "
        f"{done['tags_removed']:,} removed, {done['tags_changed']:,} changed."
    )


BKSB_LEVELS_REFRESH = JobKind(
    code=KIND,
    title="Recompute levels and tags",
    unit="records",
    run=levels_refresh_run,
    may_run=can_manage_bksb_settings,
    template="bksb_integration/levels/_recompute_job.html",
)
