"""Creating bksb users for many records at once, as a background job: Create bksb users for an intake.

A job has an item per record (ticked on the learner list, all matching its
filters, picked from the unmatched report, or new eligible records when users
are created automatically). The worker takes the items one at a time and
creates each through bksb_user_create, whose per-record UserCreationRequest
claim means a record is never created twice, however often a job runs or
however many jobs hold it at once. Before creating, it asks bksb about the
record's candidate usernames, the same ones matching asks (a name answered today
is not asked again), and creates nobody bksb knows, nor anybody an earlier
matching run found a bksb user for: those end as "Found in bksb: review the
match", naming the user found, so no learner gets a second bksb account. A taken
username is reported ("taken: review the match"), never linked; a record bksb
would refuse is reported with the field to fix before anything is sent. With `invite`, each user the job created is sent
an invite (once: never to a record that already had one). One record failing
never stops the others.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max

from bksb_integration.accounts.invites import InviteError, invite_send
from bksb_integration.accounts.linking import has_bksb_user
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.api.client import BksbClient
from bksb_integration.api.types import Priority
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.creation import user_create as uc
from bksb_integration.matching.probes import probe_ask
from bksb_integration.matching.suggestions import KnownMatches, matches_found
from bksb_integration.models import BksbSettings, Invite, MatchSuggestion, UserCreationRequest
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.models import Job, JobItem
from jobs.services import job_item_finish, job_items_pending, job_progress, job_start
from learners.models import Learner
from permissions import access

logger = logging.getLogger(__name__)

KIND = "bksb_users_create"
NOT_SENT = "not_sent"
# bksb knows the record already (or a matching run found it): left out, never a second account.
FOUND_IN_BKSB = "found_in_bksb"
# Some of its names could not be asked about: nobody can say it has no bksb user, so none is created.
NOT_CHECKED = "not_checked"
NOT_FOUND = "not_found"
INVITED = "invited"
NOT_INVITED = "not_invited"
LABELS = {
    uc.CREATED: "Created",
    uc.FOUND_AFTER_TIMEOUT: "Created",
    INVITED: "Created and invited",
    NOT_INVITED: "Created; invite not sent",
    uc.ALREADY_CREATED: "Already had a bksb user",
    uc.TAKEN: "Taken: review the match",
    uc.REFUSED: "Refused by bksb",
    uc.UNCERTAIN: "Not confirmed",
    uc.IN_PROGRESS: "In progress elsewhere",
    uc.FAILED: "Failed",
    NOT_SENT: "Not sent: fix the record",
    FOUND_IN_BKSB: "Found in bksb: review the match",
    NOT_CHECKED: "Not created: bksb could not be asked",
    NOT_FOUND: "Record deleted",
    JobItem.PENDING: "Waiting",
    JobItem.RUNNING: "Creating",
}
WARN = {uc.UNCERTAIN, uc.TAKEN, uc.IN_PROGRESS, NOT_INVITED, FOUND_IN_BKSB, JobItem.PENDING, JobItem.RUNNING}
# The outcomes of records the job left out on purpose: the window and the command name each one.
LEFT_OUT = (FOUND_IN_BKSB,)
OK = {uc.CREATED, uc.FOUND_AFTER_TIMEOUT, uc.ALREADY_CREATED, INVITED}
ITEMS_SHOWN = 500
IDS_PER_QUERY = 5000


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
        return self.result in OK

    @property
    def created_now(self) -> bool:
        return self.result in (uc.CREATED, uc.FOUND_AFTER_TIMEOUT)


@dataclass(frozen=True)
class IntakeOptions:
    """What staff choose before starting (Auto Enrol Courses is as the settings say)."""

    invite: bool = False
    auto_login_link: bool = False

    def as_params(self) -> dict[str, bool]:
        return {"invite": self.invite, "auto_login_link": self.invite and self.auto_login_link}

    @classmethod
    def of(cls, params: dict[str, Any]) -> IntakeOptions:
        return cls(invite=bool(params.get("invite")), auto_login_link=bool(params.get("auto_login_link")))


def bulk_summary(results: Iterable[str]) -> dict[str, int]:
    """{label: count} of outcome codes, in the order of LABELS."""
    counts = Counter(LABELS[result] for result in results)
    return {label: counts[label] for label in dict.fromkeys(LABELS.values()) if counts[label]}


def bksb_users_create_start(
    *,
    learner_ids: Iterable[int],
    started_by: User | None,
    options: IntakeOptions | None = None,
    automatic: bool = False,
) -> Job:
    """Queue the creation of a bksb user for each of these records, in name order.

    Raises CreationNotPossible (nothing queued) when the settings forbid any creation.
    """
    problem = uc.settings_problem(BksbSettings.load())
    if problem:
        raise uc.CreationNotPossible(problem)
    ids = list(dict.fromkeys(learner_ids))
    found: list[tuple[str, str, str, int]] = []
    for start in range(0, len(ids), IDS_PER_QUERY):  # an intake can hold more ids than one query may carry
        learners = Learner.objects.filter(pk__in=ids[start : start + IDS_PER_QUERY])
        found += learners.values_list("last_name", "first_name", "learner_ref", "pk")
    items = [JobItem(subject_id=pk, subject=ref) for *_, ref, pk in sorted(found)]
    params: dict[str, object] = {**(options or IntakeOptions()).as_params(), "automatic": automatic}
    return job_start(kind=KIND, started_by=started_by, params=params, total=len(items), items=items)


def bksb_users_create_run(job: Job) -> JobEnd:
    """Create each waiting record's bksb user with the defaults of the review form, recording each outcome."""
    settings = BksbSettings.load()
    problem = uc.settings_problem(settings)
    if problem:
        raise JobFailed(problem)
    options = IntakeOptions.of(job.params)
    job_progress(job, stage="Creating bksb users and inviting them" if options.invite else "Creating bksb users")
    # A person started it (the list, the report, the command) or automatic creation did (after an import, nightly).
    priority = Priority.NIGHTLY if job.params.get("automatic") else Priority.PERSON
    try:
        with bksb_client(settings, priority=priority) as client:
            for item in job_items_pending(job):
                line = _item_create(item, job.started_by, client, settings, options)
                job_item_finish(job, item, outcome=line.result, ok=line.ok, message=line.message, detail=line.username)
    except BksbNotReady as exc:
        raise JobFailed(str(exc)) from None
    job.refresh_from_db(fields=["done", "failed"])
    outcomes = JobItem.objects.filter(job=job).values_list("outcome", flat=True)
    summary = ", ".join(f"{count} {label.lower()}" for label, count in bulk_summary(outcomes).items())
    return JobEnd(f"{job.done} record{'s' * (job.done != 1)}: {summary or 'none found'}.", partial=job.failed > 0)


def _item_create(
    item: JobItem, requested_by: User | None, client: BksbClient, settings: BksbSettings, options: IntakeOptions
) -> BulkLine:
    """One record's outcome; an unexpected error is this record's failure, never the job's."""
    learner = Learner.objects.select_related("web_user__user").filter(pk=item.subject_id or 0).first()
    if learner is None:
        return BulkLine(Learner(learner_ref=item.subject), NOT_FOUND, "The record was deleted before its turn.", "")
    try:
        # An item handed out again was begun by a worker that died: its createUser may have reached bksb.
        line = bksb_user_create_one(
            learner=learner, requested_by=requested_by, client=client, settings=settings, taken_over=item.attempts > 1
        )
        if options.invite and line.created_now:
            return _invite(line, requested_by, client, settings, options)
        return line
    except uc.CreationNotPossible as exc:
        raise JobFailed(str(exc)) from None
    except Exception:
        logger.exception("bksb user creation for learner %s failed", learner.learner_ref)
        return BulkLine(learner, uc.FAILED, "An unexpected error stopped this record (it is logged).", "")


def _invite(
    line: BulkLine, sent_by: User | None, client: BksbClient, settings: BksbSettings, options: IntakeOptions
) -> BulkLine:
    """Invite the record to the user just created, unless it was ever invited (a resumed or repeated job)."""
    learner = line.learner
    if Invite.objects.filter(learner=learner).exists():
        return BulkLine(
            learner, INVITED, line.message + " It had been invited before.", line.username, line.bksb_user_id
        )
    learner.refresh_from_db(fields=["bksb_user", "bksb_username"])
    try:
        sent = invite_send(
            learner=learner,
            sent_by=sent_by,
            with_auto_login_link=options.auto_login_link,
            client=client,
            settings=settings,
        )
    except InviteError as exc:
        return BulkLine(learner, NOT_INVITED, f"{line.message} The invite was not sent: {exc}", line.username)
    return BulkLine(learner, INVITED, f"{line.message} {sent.message}", line.username, line.bksb_user_id)


def bksb_user_create_one(
    *,
    learner: Learner,
    requested_by: User | None,
    client: BksbClient,
    settings: BksbSettings,
    taken_over: bool = False,
) -> BulkLine:
    """Create one record's bksb user with the review form's defaults, or say why not.

    `taken_over`: a worker died during this record; bksb_user_create asks bksb before sending anything.
    """
    if has_bksb_user(learner):
        username = effective_bksb_username(learner)
        return BulkLine(learner, uc.ALREADY_CREATED, f"Already linked to bksb user {username}.", username)
    username, email = uc.username_default(learner), learner.email
    problems = uc.creation_problems(learner=learner, username=username, email=email)
    if problems:
        fixes = " ".join(f"Fix {uc.PROBLEM_FIELDS[field]}: {message}" for field, message in problems)
        return BulkLine(learner, NOT_SENT, fixes, username)
    # Unless an attempt (earlier, or another job's now) may have created the user bksb would be found to know:
    # then bksb_user_create asks about that name first and links it, or answers that someone is creating it.
    if not _attempt_may_have_created(learner):
        known = matches_found(learner=learner, settings=settings, ask=lambda name: probe_ask(client, name))
        if (known.found or known.errors) and not _attempt_may_have_created(learner):
            return _left_out(learner, known, username, email, requested_by)
    outcome = uc.bksb_user_create(
        learner=learner,
        username=username,
        email=email,
        auto_enrol=settings.auto_enrol_courses,
        requested_by=requested_by,
        client=client,
        settings=settings,
        taken_over=taken_over,
    )
    message = outcome.message
    if outcome.result == uc.TAKEN and outcome.held_by is None:
        message += " Nothing was linked: review the match on the record's BKSB tab, or choose another name."
    return BulkLine(learner, outcome.result, message, outcome.username, outcome.bksb_user_id)


def _attempt_may_have_created(learner: Learner) -> bool:
    return UserCreationRequest.objects.filter(learner=learner, status__in=uc.MAY_HAVE_CREATED).exists()


def _left_out(learner: Learner, known: KnownMatches, username: str, email: str, requested_by: User | None) -> BulkLine:
    """Not created: bksb knows a user that may be this record's, or could not be asked about all its names.

    A found one is recorded on the record's creation row as refused, so automatic creation leaves it to a
    person and the unmatched report says to look for it in bksb.
    """
    if known.found:
        first = known.matches[0]
        message = (
            f"Not created: bksb may know this learner already as {known.describe()}. "
            "Review the match and link it; create a new user only if none is this learner."
        )
        uc.creation_left_out(
            learner=learner, username=username, email=email, requested_by=requested_by, message=message
        )
        return BulkLine(learner, FOUND_IN_BKSB, message, first.username, first.bksb_user_id)
    message = f"Not created: bksb could not be asked about {len(known.errors)} of its names ({known.errors[0]})."
    return BulkLine(learner, NOT_CHECKED, message[:1000], username)


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
    return {
        "summary": bulk_summary(outcomes),
        "rows": rows,
        "rows_more": max(0, len(outcomes) - len(rows)),
        "left_out": left_out_rows(job),
    }


@dataclass(frozen=True)
class LeftOutRow:
    """A record the job did not create a user for because bksb may know it: where to review the match."""

    item: JobItem
    review_job_id: int | None  # the latest matching run that suggested a bksb user for it; else its BKSB tab


def left_out_rows(job: Job) -> list[LeftOutRow]:
    """Every record left out (however many the window's table shows), with where to review each (two queries)."""
    items = list(JobItem.objects.filter(job=job, outcome__in=LEFT_OUT).order_by("position"))
    runs = dict(
        MatchSuggestion.objects.filter(learner_id__in=[item.subject_id for item in items if item.subject_id])
        .values("learner_id")
        .annotate(latest=Max("job_id"))
        .values_list("learner_id", "latest")
    )
    return [LeftOutRow(item, runs.get(item.subject_id or 0)) for item in items]


def _tone(item: JobItem) -> str:
    if item.ok:
        return "ok"
    return "warn" if item.outcome in WARN else "bad"


BKSB_USERS_CREATE = JobKind(
    code=KIND,
    title="Create bksb users",
    unit="records",
    run=bksb_users_create_run,
    may_run=access.can_create_bksb_users_for_records,
    template="bksb_integration/creation/_users_job.html",
    context=bksb_users_create_context,
)
