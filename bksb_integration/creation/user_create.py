"""Creating a bksb user from a learner's or applicant's record, at most once.

Each record has one UserCreationRequest row. A creation first claims that row
with a compare-and-set on its attempt count, so a double click, a resubmitted
form or two members of staff at once cannot send two createUser calls. bksb's
createUser is not idempotent and is never retried: after a timeout or an
unreadable answer the row is left UNCERTAIN, and the next attempt first asks
bksb whether the name it sent exists before sending anything again.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from bksb_integration.accounts.linking import (
    RELINKED,
    UNMATCHED_FIELDS,
    LinkError,
    bksb_user_holder,
    held_message,
    last_download_set,
    learner_bksb_fields_save,
    link_apply,
    link_for,
)
from bksb_integration.accounts.usernames import web_user_of
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import (
    BksbError,
    BksbMalformedAnswer,
    BksbRefused,
    BksbTransientError,
    BksbUserNotFound,
)
from bksb_integration.api.transport import REFUSED_BEFORE_ACTING
from bksb_integration.api.types import NewBksbUser
from bksb_integration.config.connection import bksb_switched_on
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.matching.candidates import normalised
from bksb_integration.matching.probes import ProbeAnswer, probes_store
from bksb_integration.models import BksbSettings, UserCreationRequest
from bksb_integration.models.encryption import SecretUnreadable
from bksb_integration.models.induction import assessment_status_stale
from jobs.lease import STALE_AFTER
from learners.models import Learner

logger = logging.getLogger(__name__)

Status = UserCreationRequest.Status
# A SENDING claim not finished within the one lease's time belongs to a process that died.
SENDING_STALE_AFTER = STALE_AFTER
# The longest name our columns hold (bksb publishes no limit of its own).
USERNAME_MAX = 150
# Invisible marks that reorder text: a name holding one reads as another.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SUGGESTION_MIN = 3
# bksb refuses a date of birth before this year or after today.
DOB_EARLIEST_YEAR = 1900
# What each of creation_problems' fields is called on the record or the form.
PROBLEM_FIELDS = {"username": "Username", "email": "Email", "date_of_birth": "Date of birth", "name": "Name"}
SETTINGS_PAGE = "Integrations > bksb > Settings"
# createUser sent again at most this many times after its answer was lost and bksb said the user is not there.
LOST_ANSWER_RESENDS = 1


class CreationNotPossible(Exception):
    """Nothing was sent: the integration or the settings are not ready (message fit to show)."""


@dataclass(frozen=True)
class CreationOutcome:
    """What happened, in words staff can read. `suggestion` is offered when the name is taken;
    `held_by` is the other record already linked to the bksb user of that name (no link is offered then)."""

    result: str  # one of the RESULT_* values below
    message: str
    username: str
    bksb_user_id: int | None = None
    suggestion: str = ""
    held_by: Learner | None = None

    @property
    def ok(self) -> bool:
        return self.result in (CREATED, ALREADY_CREATED, FOUND_AFTER_TIMEOUT)


# An earlier attempt in these states may have created the record's bksb user (its answer lost, or still on its way).
MAY_HAVE_CREATED = (Status.SENDING, Status.UNCERTAIN, Status.CREATED)

CREATED = "created"
ALREADY_CREATED = "already_created"
FOUND_AFTER_TIMEOUT = "found_after_timeout"
IN_PROGRESS = "in_progress"
TAKEN = "taken"
REFUSED = "refused"
UNCERTAIN = "uncertain"
FAILED = "failed"


def username_problems(username: str) -> list[str]:
    """Why bksb could never take this (trimmed) name; bksb itself has the last word on the rest.

    bksb names are free text (b.murphy+fs@college.ac.uk, o'neil.k-2, kate brown),
    so only what no username can hold is refused here.
    """
    if not username:
        return ["Enter a username."]
    if len(username) > USERNAME_MAX:
        return [f"A bksb username has at most {USERNAME_MAX} characters (this one has {len(username)})."]
    if any(_is_control(ch) for ch in username):
        return ["A bksb username cannot hold control characters (such as a tab, a line break or a direction mark)."]
    return []


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS


def creation_problems(*, learner: Learner, username: str, email: str) -> list[tuple[str, str]]:
    """(field to fix, why) for each reason a bksb user cannot be created with these details.

    The field is one of PROBLEM_FIELDS: the form's username or email, or the record's date of birth or name.
    """
    problems: list[tuple[str, str]] = [("username", p) for p in username_problems(username)]
    if not email:
        problems.append(("email", "An email address is required: bksb sends its messages there."))
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(("email", f"“{email}” is not a valid email address."))
    dob = learner.date_of_birth
    if dob is None:
        problems.append(
            ("date_of_birth", "The record has no date of birth, which bksb requires: add it to the record first.")
        )
    elif dob.year < DOB_EARLIEST_YEAR or dob > timezone.localdate():
        when = "in the future" if dob > timezone.localdate() else f"before {DOB_EARLIEST_YEAR}"
        problems.append(
            ("date_of_birth", f"The record's date of birth, {dob:%d/%m/%Y}, is {when}, which bksb refuses: correct it.")
        )
    if not learner.first_name.strip() or not learner.last_name.strip():
        problems.append(("name", "The record needs a first and a last name, which bksb requires."))
    return problems


def settings_problem(settings: BksbSettings) -> str:
    """Why no bksb user can be created at all with these settings, or ''."""
    if not bksb_switched_on(settings):
        return f"The bksb integration is not enabled ({SETTINGS_PAGE})."
    if not settings.has_default_password:
        return f"No Default Password is set: an administrator must set one in {SETTINGS_PAGE}."
    return ""


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def username_suggest(learner: Learner) -> str:
    """First initial, last name and the reference's number: "akhan1" for Amira Khan, L000001."""
    digits = re.sub(r"\D", "", learner.learner_ref).lstrip("0")
    base = (_ascii_word(learner.first_name)[:1] + _ascii_word(learner.last_name))[:80] or "learner"
    name = base + digits
    return name if len(name) >= SUGGESTION_MIN else name.ljust(SUGGESTION_MIN, "0")


def username_default(learner: Learner) -> str:
    """The web user account's name, else the record's BKSB Username, else a suggestion."""
    web_user = web_user_of(learner)
    if web_user is not None:
        return web_user.username
    return learner.bksb_username.strip() or username_suggest(learner)


def username_alternative(*, username: str, client: BksbClient) -> str:
    """A free name close to a taken one (jsmith -> jsmith2, akhan1 -> akhan1-2), or '' if none of a few is."""
    stem = username[: USERNAME_MAX - 2]
    joint = "-" if stem[-1:].isdigit() else ""
    for number in range(2, 10):
        candidate = f"{stem}{joint}{number}"
        if not client.username_exists(candidate):
            return candidate
    return ""


@sensitive_variables()  # the Default Password, and the secret in the client below
def bksb_user_create(
    *,
    learner: Learner,
    username: str,
    email: str,
    auto_enrol: bool,
    requested_by: User | None,
    client: BksbClient,
    settings: BksbSettings | None = None,
    taken_over: bool = False,
) -> CreationOutcome:
    """Create the record's bksb user and link the record to it; safe to call again.

    `taken_over`: the caller carries on for a worker that died during this record
    (a job's item handed out again), so a SENDING attempt is that worker's: bksb is
    asked whether its createUser arrived (then the record is linked to that user),
    never sent a second one blindly. Raises CreationNotPossible (nothing sent) when
    the settings forbid it.
    """
    settings = settings or BksbSettings.load()
    problem = settings_problem(settings)
    if problem:
        raise CreationNotPossible(problem)
    try:
        password = settings.default_password
    except SecretUnreadable:
        raise CreationNotPossible(
            f"The stored Default Password cannot be read: enter it again in {SETTINGS_PAGE}."
        ) from None
    row = _request_row(learner, username, email, auto_enrol, requested_by)
    if row.status == Status.CREATED:
        return _already(row)
    if _busy(row) and not taken_over:
        return CreationOutcome(IN_PROGRESS, "This bksb user is being created right now: wait a moment.", row.username)
    earlier_status, earlier_username = row.status, row.username
    if not _claim(row, username=username, email=email, auto_enrol=auto_enrol, requested_by=requested_by):
        row.refresh_from_db()
        return _already(row) if row.status == Status.CREATED else _busy_outcome(row)
    row.refresh_from_db()
    row._history_user = requested_by  # type: ignore[attr-defined]
    try:
        return _attempt(row, learner, earlier_status, earlier_username, password, client)
    except BksbError as exc:
        # A check failed before createUser was sent: nothing new was created.
        keep = Status.UNCERTAIN if earlier_status in (Status.UNCERTAIN, Status.SENDING) else Status.FAILED
        return _finish(row, keep, FAILED, f"bksb could not be asked: {exc.message}. Nothing was created.")


def creation_left_out(*, learner: Learner, username: str, email: str, requested_by: User | None, message: str) -> None:
    """Record that no user was created because bksb may know the record already (REFUSED, with why), unless
    an attempt that may have created one holds the row. Creating it later takes the row as after a refusal."""
    row = _request_row(learner, username, email, False, requested_by)
    UserCreationRequest.objects.filter(pk=row.pk).exclude(status__in=MAY_HAVE_CREATED).update(
        status=Status.REFUSED, last_error=message[:500], updated_at=timezone.now()
    )


def _request_row(
    learner: Learner, username: str, email: str, auto_enrol: bool, requested_by: User | None
) -> UserCreationRequest:
    defaults = {"username": username, "email": email, "auto_enrol_courses": auto_enrol, "requested_by": requested_by}
    try:
        with transaction.atomic():
            row, _ = UserCreationRequest.objects.get_or_create(learner=learner, defaults=defaults)
    except IntegrityError:  # another request made the row between our read and insert
        row = UserCreationRequest.objects.get(learner=learner)
    return row


def _busy(row: UserCreationRequest) -> bool:
    return row.status == Status.SENDING and row.updated_at > timezone.now() - SENDING_STALE_AFTER


def _busy_outcome(row: UserCreationRequest) -> CreationOutcome:
    return CreationOutcome(IN_PROGRESS, "Someone else is creating this bksb user right now.", row.username)


def _already(row: UserCreationRequest) -> CreationOutcome:
    message = f"This record already has a bksb user: {row.username} (id {row.bksb_user_id})."
    return CreationOutcome(ALREADY_CREATED, message, row.username, row.bksb_user_id)


def _claim(row: UserCreationRequest, *, username: str, email: str, auto_enrol: bool, requested_by: User | None) -> bool:
    """Take the row for this attempt. The attempt count is the version: one claimant wins."""
    claimed = (
        UserCreationRequest.objects.filter(pk=row.pk, attempts=row.attempts)
        .exclude(status=Status.CREATED)
        .update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            username=username,
            email=email,
            auto_enrol_courses=auto_enrol,
            requested_by=requested_by,
            last_error="",
            updated_at=timezone.now(),
        )
    )
    return claimed == 1


def _attempt(
    row: UserCreationRequest,
    learner: Learner,
    earlier_status: str,
    earlier_username: str,
    password: str,
    client: BksbClient,
) -> CreationOutcome:
    checked_free = ""
    if earlier_status in (Status.UNCERTAIN, Status.SENDING):
        if client.username_exists(earlier_username):
            # The earlier createUser reached bksb after all: that user is this record's,
            # unless another record was linked to it meanwhile. Then stay UNCERTAIN, so the
            # next attempt checks again (and links) once that record is sorted out.
            user_id = client.get_user_id(earlier_username)
            row.username = earlier_username
            if holder := bksb_user_holder(bksb_user_id=user_id, exclude_learner=learner):
                message = held_message(username=earlier_username, bksb_user_id=user_id, holder=holder)
                return _finish(row, Status.UNCERTAIN, FAILED, message, also=("username",))
            message = f"bksb user {earlier_username} (id {user_id}) was created by the earlier attempt."
            return _created(row, learner, user_id, FOUND_AFTER_TIMEOUT, message)
        checked_free = earlier_username
    if row.username != checked_free and client.username_exists(row.username):
        return _taken(row, learner, client)
    new_user = NewBksbUser(
        username=row.username,
        firstname=learner.first_name.strip(),
        lastname=learner.last_name.strip(),
        password=password,
        email=row.email,
        date_of_birth=learner.date_of_birth,  # type: ignore[arg-type]  # checked by creation_problems
        auto_enrol_courses=row.auto_enrol_courses,
    )
    return _send(row, learner, new_user, client, resends=LOST_ANSWER_RESENDS)


def _send(
    row: UserCreationRequest, learner: Learner, new_user: NewBksbUser, client: BksbClient, *, resends: int
) -> CreationOutcome:
    """Send createUser (the client already waited out and retried a 429 or 503: bksb refused before acting).

    When the answer is lost (a timeout, a dropped connection, an answer cut off), bksb is asked whether the
    user now exists before anything else: found, it is linked; not found, createUser is sent again (a name
    bksb already has is refused, so this never makes a second user); if bksb cannot be asked, the row stays
    UNCERTAIN and the next attempt asks first.
    """
    try:
        created = client.create_user(new_user)
    except BksbTransientError as exc:
        if exc.status in REFUSED_BEFORE_ACTING:
            message = f"bksb was too busy to create the user ({exc.message}). Nothing was created: try again later."
            return _finish(row, Status.FAILED, FAILED, message)
        logger.warning("bksb createUser for learner %s unconfirmed: %s", learner.learner_ref, exc)
        return _after_lost_answer(row, learner, new_user, client, resends=resends)
    except BksbMalformedAnswer as exc:
        logger.warning("bksb createUser for learner %s unconfirmed: %s", learner.learner_ref, exc)
        return _after_lost_answer(row, learner, new_user, client, resends=resends)
    except BksbRefused as exc:
        return _finish(row, Status.REFUSED, REFUSED, f"bksb refused to create the user: {exc.detail or exc.message}")
    except BksbError as exc:
        return _finish(row, Status.FAILED, FAILED, f"The bksb user was not created: {exc.message}")
    message = f"bksb user {row.username} created (id {created.user_id})."
    return _created(row, learner, created.user_id, CREATED, message)


def _after_lost_answer(
    row: UserCreationRequest, learner: Learner, new_user: NewBksbUser, client: BksbClient, *, resends: int
) -> CreationOutcome:
    """createUser's answer was lost: does the user exist now? Link it, send again, or leave it UNCERTAIN."""
    unconfirmed = "bksb did not confirm the new user; we'll check before trying again."
    try:
        user_id = client.get_user_id(row.username)
    except BksbUserNotFound:
        if resends <= 0:
            return _finish(row, Status.UNCERTAIN, UNCERTAIN, unconfirmed)
        return _send(row, learner, new_user, client, resends=resends - 1)
    except BksbError:
        return _finish(row, Status.UNCERTAIN, UNCERTAIN, unconfirmed)
    if holder := bksb_user_holder(bksb_user_id=user_id, exclude_learner=learner):
        message = held_message(username=row.username, bksb_user_id=user_id, holder=holder)
        return _finish(row, Status.UNCERTAIN, FAILED, message)
    message = f"bksb user {row.username} (id {user_id}) was created: its answer was lost, and bksb was asked."
    return _created(row, learner, user_id, FOUND_AFTER_TIMEOUT, message)


def _taken(row: UserCreationRequest, learner: Learner, client: BksbClient) -> CreationOutcome:
    """The name is taken: say so, with a free alternative, and whether another record holds that user."""
    holder = _taken_name_holder(row.username, learner, client)
    suggestion = username_alternative(username=row.username, client=client)
    if holder is None:
        message = f"bksb already has a user called “{row.username}”."
    else:
        message = (
            f"bksb user {row.username} is already linked to {holder.full_name} ({holder.learner_ref}); "
            "choose another name."
        )
    _finish(row, Status.REFUSED, TAKEN, message)
    return CreationOutcome(TAKEN, message, row.username, suggestion=suggestion, held_by=holder)


def _taken_name_holder(username: str, learner: Learner, client: BksbClient) -> Learner | None:
    """The other record linked to the bksb user called username, if bksb says who that is.

    One extra call; if it fails, the link offer stays and linking itself refuses a held user.
    """
    try:
        user_id = client.get_user_id(username)
    except BksbError:
        return None
    return bksb_user_holder(bksb_user_id=user_id, exclude_learner=learner)


def _finish(
    row: UserCreationRequest, status: str, result: str, message: str, *, also: tuple[str, ...] = ()
) -> CreationOutcome:
    row.status, row.last_error = status, message[:500]
    row.save(update_fields=["status", "last_error", "updated_at", *also])
    return CreationOutcome(result, message, row.username, row.bksb_user_id)


def _created(row: UserCreationRequest, learner: Learner, user_id: int, result: str, message: str) -> CreationOutcome:
    """Record the new user and link the record to it, in one transaction."""
    with transaction.atomic():
        row.status, row.bksb_user_id, row.last_error = Status.CREATED, user_id, ""
        row.save(update_fields=["status", "bksb_user_id", "username", "last_error", "updated_at"])
        learner.bksb_user, learner.bksb_username = True, row.username
        learner_bksb_fields_save(learner=learner)
        link = link_for(learner)
        previous = link.bksb_user_id
        if previous != user_id:
            # A new bksb user: none of its history has been downloaded yet.
            last_download_set(learner, link, None)
        link.bksb_user_id, link.resolved_username, link.resolved_at = user_id, row.username, timezone.now()
        link.unmatched = link.unmatched_username = ""
        link.save(update_fields=["bksb_user_id", "resolved_username", "resolved_at", *UNMATCHED_FIELDS])
        if previous is not None and previous != user_id:
            # The old user's results stay stored but no longer count in the levels summary.
            levels_refresh(learner_ids=[learner.pk], reason=RELINKED)
        assessment_status_stale(learner_ids=[learner.pk])
    # Matching's day-cached answer for the name may say "no such user": it is this one now.
    probes_store([ProbeAnswer(normalised(row.username), user_id)])
    logger.info("bksb user %s (id %s) created for learner %s", row.username, user_id, learner.learner_ref)
    return CreationOutcome(result, message, row.username, user_id)


def bksb_link_existing(*, learner: Learner, username: str, client: BksbClient) -> CreationOutcome:
    """Link the record to a bksb user that already exists (the offer after a taken name).

    link_apply refuses a bksb user another BKSB User record is linked to.
    """
    try:
        outcome = link_apply(learner=learner, bksb_user=True, username=username, client=client)
    except LinkError as exc:
        return CreationOutcome(FAILED, str(exc), username)
    except BksbError as exc:
        return CreationOutcome(FAILED, f"bksb could not be asked: {exc.message}", username)
    if outcome.needs_confirmation:
        message = "This record holds results of another bksb user: change its BKSB Username on the BKSB tab instead."
        return CreationOutcome(FAILED, message, username)
    return CreationOutcome(ALREADY_CREATED, outcome.message, outcome.username, outcome.bksb_user_id)
