"""Sending invites to many records at once, as a background job (the Induction board's Send invite and again).

A job has an item per record. The worker sends each through invite_send, the
same service as a record's Send invite, so its checks and its repeat window
hold: a record invited moments ago (a second click, a second board) gets no
second email. One record failing never stops the others.
"""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import ExitStack
from typing import Any

from django.contrib.auth.models import User

from bksb_integration.accounts.invites import InviteError, invite_problems, invite_send, invite_unconfirmed
from bksb_integration.api.client import BksbClient
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.models import BksbSettings
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.models import Job, JobItem
from jobs.services import job_item_finish, job_items_pending, job_progress, job_start
from learners.models import Learner
from permissions import access

logger = logging.getLogger(__name__)

KIND = "bksb_invites_send"
SENT = "sent"
REPEATED = "repeated"
NOT_SENT = "not_sent"
FAILED = "failed"
NOT_FOUND = "not_found"
UNCONFIRMED = "unconfirmed"
LABELS = {
    SENT: "Sent",
    UNCONFIRMED: "Not confirmed (not sent again)",
    REPEATED: "Sent moments ago (not sent twice)",
    NOT_SENT: "Not sent",
    FAILED: "Failed",
    NOT_FOUND: "Record deleted",
    JobItem.PENDING: "Waiting",
    JobItem.RUNNING: "Sending",
}
TONES = {
    SENT: "ok",
    REPEATED: "ok",
    NOT_SENT: "warn",
    UNCONFIRMED: "warn",
    JobItem.PENDING: "warn",
    JobItem.RUNNING: "warn",
}
ITEMS_SHOWN = 500
UNCONFIRMED_MESSAGE = (
    "The worker sending this invite stopped before it recorded the email, which may have gone: "
    "it was not sent again. Ask the learner, and send it from the record if it did not arrive."
)


def invites_send_start(*, learner_ids: list[int], started_by: User | None, with_auto_login_link: bool) -> Job:
    """Queue an invite to each of these records, in name order."""
    learners = Learner.objects.filter(pk__in=learner_ids).order_by("last_name", "first_name", "learner_ref")
    items = [JobItem(subject_id=pk, subject=ref) for pk, ref in learners.values_list("pk", "learner_ref")]
    params: dict[str, object] = {"with_auto_login_link": with_auto_login_link}
    return job_start(kind=KIND, started_by=started_by, params=params, total=len(items), items=items)


def invites_send_run(job: Job) -> JobEnd:
    """Send each waiting record its invite, recording each outcome."""
    settings = BksbSettings.load()
    with_link = bool(job.params.get("with_auto_login_link"))
    job_progress(job, stage="Sending invites")
    try:
        with ExitStack() as stack:
            # Only an auto-login link needs bksb; a plain invite is an email.
            client = stack.enter_context(bksb_client(settings)) if with_link else None
            for item in job_items_pending(job):
                outcome, message = _item_send(item, job.started_by, client, settings)
                ok = outcome in (SENT, REPEATED)
                job_item_finish(job, item, outcome=outcome, ok=ok, message=message)
    except BksbNotReady as exc:
        raise JobFailed(str(exc)) from None
    job.refresh_from_db(fields=["done", "failed"])
    summary = ", ".join(f"{count} {label.lower()}" for label, count in _summary(job).items())
    return JobEnd(f"{job.done} record{'s' * (job.done != 1)}: {summary or 'none found'}.", partial=job.failed > 0)


def _item_send(
    item: JobItem, sent_by: User | None, client: BksbClient | None, settings: BksbSettings
) -> tuple[str, str]:
    """One record's outcome and message; an unexpected error is this record's failure, never the job's."""
    learner = Learner.objects.select_related("web_user__user").filter(pk=item.subject_id or 0).first()
    if learner is None:
        return NOT_FOUND, "The record was deleted before its turn."
    problems = invite_problems(learner=learner)
    if problems:
        return NOT_SENT, " ".join(problems)
    if item.attempts > 1 and invite_unconfirmed(learner=learner):
        # The worker that had this record died while sending: one invite per record, so none again.
        return UNCONFIRMED, UNCONFIRMED_MESSAGE
    try:
        outcome = invite_send(
            learner=learner, sent_by=sent_by, with_auto_login_link=client is not None, client=client, settings=settings
        )
    except InviteError as exc:
        return FAILED, str(exc)
    except Exception:
        logger.exception("bksb invite to learner %s failed", learner.learner_ref)
        return FAILED, "An unexpected error stopped this record (it is logged)."
    return (REPEATED if outcome.repeated else SENT), outcome.message


def _summary(job: Job) -> dict[str, int]:
    counts = Counter(LABELS.get(outcome, outcome) for outcome in job.items.values_list("outcome", flat=True))
    return {label: counts[label] for label in dict.fromkeys(LABELS.values()) if counts[label]}


def invites_send_context(job: Job) -> dict[str, Any]:
    """The window's part: the count of each outcome and a line per record."""
    items = list(JobItem.objects.filter(job=job).order_by("position")[:ITEMS_SHOWN])
    learners = Learner.objects.in_bulk([item.subject_id for item in items if item.subject_id])
    rows = [
        {
            "item": item,
            "learner": learners.get(item.subject_id or 0),
            "label": LABELS.get(item.outcome, item.outcome),
            "tone": TONES.get(item.outcome, "bad"),
        }
        for item in items
    ]
    return {"summary": _summary(job), "rows": rows, "rows_more": max(0, job.total - len(rows))}


BKSB_INVITES_SEND = JobKind(
    code=KIND,
    title="Send invites",
    unit="records",
    run=invites_send_run,
    may_run=access.can_create_bksb_users_for_records,
    template="bksb_integration/creation/_invites_job.html",
    context=invites_send_context,
)
