"""Link selected, on a matching run's review page: the ticked suggestions linked as a background job.

Each ticked suggestion is an item; the worker links its record as Apply would
(matching.suggestion_link: asks bksb for the name again, the advisory lock,
the holder check), so a bksb user taken meanwhile by another record, or a record
linked meanwhile, is reported for that record and changes nothing. Every link
is noted in the audit trail as confirmed on the review of that run, by the
person who clicked.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User

from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbAuthError
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.matching.suggestions import suggestion_link
from bksb_integration.models import MatchSuggestion
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.models import Job, JobItem
from jobs.services import job_item_finish, job_items_pending, job_progress, job_start
from learners.models import Learner
from permissions import access

logger = logging.getLogger(__name__)

KIND = "bksb_match_link"
LINKED, NOT_LINKED = "linked", "not_linked"


def review_reason(run_id: int) -> str:
    return f"Matching run {run_id}: confirmed on review"


def match_links_start(*, run: Job, suggestion_ids: list[int], started_by: User | None) -> Job:
    """Queue linking these suggestions of `run` (one per record; others are ignored)."""
    rows = MatchSuggestion.objects.filter(job=run, pk__in=suggestion_ids).select_related("learner")
    items = [
        JobItem(subject_id=row.pk, subject=row.learner.learner_ref) for row in rows.order_by("learner__learner_ref")
    ]
    return job_start(kind=KIND, started_by=started_by, params={"run": run.pk}, total=len(items), items=items)


def match_links_run(job: Job) -> JobEnd:
    """Link each ticked suggestion's record, recording each outcome; one failing never stops the others."""
    job_progress(job, stage="Linking the selected records")
    reason = review_reason(int(job.params["run"]))
    try:
        with bksb_client() as client:
            for item in job_items_pending(job):
                _item_link(job, item, client, reason)
    except BksbNotReady as exc:
        raise JobFailed(str(exc)) from None
    except BksbAuthError:
        raise JobFailed("bksb refused the key: check the Access Key ID and Secret Access Key.") from None
    job.refresh_from_db(fields=["done", "failed"])
    linked = job.done - job.failed
    message = f"{linked} record{'s' * (linked != 1)} linked"
    if job.failed:
        message += f"; {job.failed} could not be linked (see each record's reason)"
    return JobEnd(message + ".", partial=job.failed > 0)


def _item_link(job: Job, item: JobItem, client: BksbClient, reason: str) -> None:
    suggestion = (
        MatchSuggestion.objects.select_related("learner__web_user__user", "learner__bksb_link")
        .filter(pk=item.subject_id or 0)
        .first()
    )
    if suggestion is None:
        job_item_finish(job, item, outcome=NOT_LINKED, ok=False, message="The suggestion is gone.")
        return
    result = suggestion_link(
        learner=suggestion.learner, username=suggestion.username, client=client, reason=reason, by=job.started_by
    )
    outcome = LINKED if result.ok else NOT_LINKED
    job_item_finish(job, item, outcome=outcome, ok=result.ok, message=result.message, detail=suggestion.username)


def match_links_context(job: Job) -> dict[str, Any]:
    items = list(JobItem.objects.filter(job=job).order_by("position"))
    suggestions = MatchSuggestion.objects.select_related("learner").in_bulk([i.subject_id for i in items])
    rows = []
    for item in items:
        suggestion = suggestions.get(item.subject_id or 0)
        learner: Learner | None = suggestion.learner if suggestion else None
        rows.append({"item": item, "learner": learner, "username": suggestion.username if suggestion else ""})
    return {"rows": rows, "run_id": job.params.get("run")}


BKSB_MATCH_LINK = JobKind(
    code=KIND,
    title="Link selected",
    unit="records",
    run=match_links_run,
    may_run=access.can_link_records,
    template="bksb_integration/matching/_links_job.html",
    context=match_links_context,
)
