"""Creating bksb users for many records at once, as a background job (the learner list's Create bksb users).

A job has an item per ticked record. The worker takes the items one at a time
and creates each through bksb_user_create, whose per-record UserCreationRequest
claim means a record is never created twice, however often a job runs or however
many jobs tick it. One record failing never stops the others. Later screens
(creating the bksb users of an intake) start the same job with other ids.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from bksb_integration.accounts import user_creation as uc
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.api.client import BksbClient
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.models import BksbSettings
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.models import Job, JobItem
from jobs.services import job_item_finish, job_items_pending, job_progress, job_start
from learners.models import Learner
from permissions import access
from permissions.access import AnyUser

logger = logging.getLogger(__name__)

KIND = "bksb_users_create"
NOT_SENT = "not_sent"
NOT_FOUND = "not_found"
LABELS = {
    uc.CREATED: "Created",
    uc.FOUND_AFTER_TIMEOUT: "Created",
    uc.ALREADY_CREATED: "Already had a bksb user",
    uc.TAKEN: "Username taken",
    uc.REFUSED: "Refused by bksb",
    uc.UNCERTAIN: "Not confirmed",
    uc.IN_PROGRESS: "In progress elsewhere",
    uc.FAILED: "Failed",
    NOT_SENT: "Not sent",
    NOT_FOUND: "Record deleted",
    JobItem.PENDING: "Waiting",
    JobItem.RUNNING: "Creating",
}
WARN = {uc.UNCERTAIN, uc.TAKEN, uc.IN_PROGRESS, JobItem.PENDING, JobItem.RUNNING}
ITEMS_SHOWN = 500


@dataclass(frozen=True)
class BulkLine:
    learner: Learner
    result: str
    message: str
    username: str
    bksb_user_id: int | None = None

    @property
    def label(self) -> str:
        return LABELS[self.result]

    @property
    def ok(self) -> bool:
        return self.result in (uc.CREATED, uc.FOUND_AFTER_TIMEOUT, uc.ALREADY_CREATED)


def may_create_users(user: AnyUser) -> bool:
    """The list shows the records' names and emails: creating their bksb users needs the records too."""
    return access.can_view_learners(user) and access.can_create_bksb_user(user)


def bulk_summary(results: Iterable[str]) -> dict[str, int]:
    """{label: count} of outcome codes, in the order of LABELS."""
    counts = Counter(LABELS[result] for result in results)
    return {label: counts[label] for label in dict.fromkeys(LABELS.values()) if counts[label]}


def bksb_users_create_start(*, learner_ids: list[int], started_by: User | None) -> Job:
    """Queue the creation of a bksb user for each of these records, in name order.

    Raises CreationNotPossible (nothing queued) when the settings forbid any creation.
    """
    problem = uc.settings_problem(BksbSettings.load())
    if problem:
        raise uc.CreationNotPossible(problem)
    learners = Learner.objects.filter(pk__in=learner_ids).order_by("last_name", "first_name", "learner_ref")
    items = [JobItem(subject_id=pk, subject=ref) for pk, ref in learners.values_list("pk", "learner_ref")]
    return job_start(kind=KIND, started_by=started_by, params={}, total=len(items), items=items)


def bksb_users_create_run(job: Job) -> JobEnd:
    """Create each waiting record's bksb user with the defaults of the review form, recording each outcome."""
    settings = BksbSettings.load()
    problem = uc.settings_problem(settings)
    if problem:
        raise JobFailed(problem)
    job_progress(job, stage="Creating bksb users")
    try:
        with bksb_client(settings) as client:
            for item in job_items_pending(job):
                line = _item_create(item, job.started_by, client, settings)
                job_item_finish(job, item, outcome=line.result, ok=line.ok, message=line.message, detail=line.username)
    except BksbNotReady as exc:
        raise JobFailed(str(exc)) from None
    job.refresh_from_db(fields=["done", "failed"])
    outcomes = JobItem.objects.filter(job=job).values_list("outcome", flat=True)
    summary = ", ".join(f"{count} {label.lower()}" for label, count in bulk_summary(outcomes).items())
    return JobEnd(f"{job.done} record{'s' * (job.done != 1)}: {summary or 'none found'}.", partial=job.failed > 0)


def _item_create(item: JobItem, requested_by: User | None, client: BksbClient, settings: BksbSettings) -> BulkLine:
    """One record's outcome; an unexpected error is this record's failure, never the job's."""
    learner = Learner.objects.select_related("web_user__user").filter(pk=item.subject_id or 0).first()
    if learner is None:
        return BulkLine(Learner(learner_ref=item.subject), NOT_FOUND, "The record was deleted before its turn.", "")
    try:
        return bksb_user_create_one(learner=learner, requested_by=requested_by, client=client, settings=settings)
    except uc.CreationNotPossible as exc:
        raise JobFailed(str(exc)) from None
    except Exception:
        logger.exception("bksb user creation for learner %s failed", learner.learner_ref)
        return BulkLine(learner, uc.FAILED, "An unexpected error stopped this record (it is logged).", "")


def bksb_user_create_one(
    *, learner: Learner, requested_by: User | None, client: BksbClient, settings: BksbSettings
) -> BulkLine:
    """Create one record's bksb user with the review form's defaults, or say why not."""
    if uc.is_linked(learner):
        username = effective_bksb_username(learner)
        return BulkLine(learner, uc.ALREADY_CREATED, f"Already linked to bksb user {username}.", username)
    username, email = uc.username_default(learner), learner.email
    problems = uc.creation_problems(learner=learner, username=username, email=email)
    if problems:
        return BulkLine(learner, NOT_SENT, " ".join(message for _, message in problems), username)
    outcome = uc.bksb_user_create(
        learner=learner,
        username=username,
        email=email,
        auto_enrol=settings.auto_enrol_courses,
        requested_by=requested_by,
        client=client,
        settings=settings,
    )
    message = outcome.message
    if outcome.result == uc.TAKEN and outcome.held_by is None:
        message += " Open the record to link it to that user or choose another name."
    return BulkLine(learner, outcome.result, message, outcome.username, outcome.bksb_user_id)


@dataclass(frozen=True)
class ItemRow:
    """One record's line in the window."""

    item: JobItem
    learner: Learner | None
    label: str
    tone: str  # ok, warn or bad


def bksb_users_create_context(job: Job) -> dict[str, Any]:
    """The window's part: the count of each outcome and a line per record."""
    items = JobItem.objects.filter(job=job).order_by("position")
    outcomes = list(items.values_list("outcome", flat=True))
    shown = list(items[:ITEMS_SHOWN])
    learners = Learner.objects.in_bulk([item.subject_id for item in shown if item.subject_id])
    rows = [
        ItemRow(item, learners.get(item.subject_id or 0), LABELS.get(item.outcome, item.outcome), _tone(item))
        for item in shown
    ]
    return {"summary": bulk_summary(outcomes), "rows": rows, "rows_more": max(0, len(outcomes) - len(rows))}


def _tone(item: JobItem) -> str:
    if item.ok:
        return "ok"
    return "warn" if item.outcome in WARN else "bad"


BKSB_USERS_CREATE = JobKind(
    code=KIND,
    title="Create bksb users",
    unit="records",
    run=bksb_users_create_run,
    may_run=may_create_users,
    template="bksb_integration/_create_users_job.html",
    context=bksb_users_create_context,
)
