"""Linking a learner (or applicant) to their bksb user, and their download state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from bksb_integration.accounts.usernames import username_in_effect, web_user_of
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbUserNotFound
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import BksbLink, DiagnosticAssessmentResult, InitialAssessmentResult, UserCreationRequest
from bksb_integration.models.induction import assessment_status_stale
from learners.models import Learner
from learners.search_text import search_text_refresh

# Cleared whenever a link resolves anew: the record is off the unmatched report.
UNMATCHED_FIELDS = ("unmatched", "unmatched_username")
# The first key of the advisory locks that serialise linking (any fixed number of our own).
LINK_LOCK_SPACE = 0x6B736221
# The reason tag changes carry in the audit trail when a record's bksb user changes.
RELINKED = "Linked to another bksb user"


class LinkError(Exception):
    """A link could not be made; the message is fit to show staff."""


class BksbNeeded(LinkError):
    """The name must be checked in bksb, and no client was given (bksb is not ready)."""


class UsernameNotFound(LinkError):
    """bksb has no user of this username (the record belongs on the unmatched report)."""


class BksbUserLost(Exception):
    """The link's bksb user id stopped resolving and its username names no other bksb user."""

    def __init__(self, *, username: str, bksb_user_id: int) -> None:
        self.username, self.bksb_user_id = username, bksb_user_id
        super().__init__(
            f"bksb no longer knows bksb user {bksb_user_id}, and has no user called “{username}”: "
            "bksb may have merged it into another account. Find the learner's bksb user and link it."
        )


def unknown_user_message(username: str) -> str:
    return f"bksb has no user called “{username}”; check the username or create a bksb user."


def bksb_user_holder(*, bksb_user_id: int, exclude_learner: Learner) -> Learner | None:
    """The other record linked to this bksb user that is still a BKSB User, if any.

    Results are stored by bksb user id, so a second record linked to the same
    bksb user would take the first one's results at its next download.
    """
    link = (
        BksbLink.objects.filter(bksb_user_id=bksb_user_id, learner__bksb_user=True)
        .exclude(learner_id=exclude_learner.pk)
        .select_related("learner")
        .order_by("learner__learner_ref")
        .first()
    )
    return link.learner if link is not None else None


def bksb_user_holders(*, links: list[BksbLink]) -> dict[int, Learner]:
    """For each of these links (by learner id), the other BKSB User record linked to its bksb user, if any.

    One query for them all: what bksb_user_holder answers for one link.
    """
    user_ids = {link.bksb_user_id for link in links if link.bksb_user_id}
    holding: dict[int, list[Learner]] = {}
    rows = BksbLink.objects.filter(bksb_user_id__in=user_ids, learner__bksb_user=True).select_related("learner")
    for row in rows.order_by("learner__learner_ref"):
        holding.setdefault(row.bksb_user_id or 0, []).append(row.learner)
    holders = {}
    for link in links:
        others = [held for held in holding.get(link.bksb_user_id or 0, []) if held.pk != link.learner_id]
        if others:
            holders[link.learner_id] = others[0]
    return holders


def held_message(*, username: str, bksb_user_id: int, holder: Learner) -> str:
    return (
        f"bksb user “{username}” (id {bksb_user_id}) is already linked to {holder.full_name} ({holder.learner_ref}). "
        "One bksb user can belong to one record: untick BKSB User there first, or check the username."
    )


def held_refuse(*, learner: Learner, username: str, bksb_user_id: int) -> None:
    """Raise LinkError when another BKSB User record is linked to this bksb user."""
    holder = bksb_user_holder(bksb_user_id=bksb_user_id, exclude_learner=learner)
    if holder is not None:
        raise LinkError(held_message(username=username, bksb_user_id=bksb_user_id, holder=holder))


def bksb_user_lock(bksb_user_id: int) -> None:
    """Within the caller's transaction, link records to this bksb user one at a time.

    Without it, two records linked to the same bksb user at the same moment
    would both pass the other-holder check. PostgreSQL: an advisory lock held
    until the transaction ends; SQLite writes one transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LINK_LOCK_SPACE, bksb_user_id % 2**31])


def link_for(learner: Learner) -> BksbLink:
    """The learner's link row, created on first use (uses a select_related one when loaded)."""
    try:
        link = learner.bksb_link
    except BksbLink.DoesNotExist:
        link, _ = BksbLink.objects.get_or_create(learner=learner)
    link.learner = learner  # share the caller's object (and its cached web user)
    return link


def _user_id_lookup(*, link: BksbLink, username: str, client: BksbClient | None) -> int:
    """The bksb user id for username: the stored one while the name is unchanged, else bksb's."""
    if link.bksb_user_id and link.resolved_username == username:
        return link.bksb_user_id
    if client is None:
        raise BksbNeeded("The bksb integration is not configured, so the username cannot be checked.")
    try:
        return client.get_user_id(username)
    except BksbUserNotFound:
        raise UsernameNotFound(unknown_user_message(username)) from None


def is_resolved(link: BksbLink, username: str) -> bool:
    """Is the link's stored bksb user id the one for this username (no need to ask bksb)?"""
    return bool(link.bksb_user_id) and link.resolved_username == username


def bksb_user_id_resolve(*, link: BksbLink, username: str, client: BksbClient) -> int:
    """The bksb user id for username, asking bksb only when the name changed.

    Raises LinkError when bksb has no such user, or when another record is
    linked to that user (checked on every call, so links made before the check
    existed are caught too); other BksbErrors propagate.
    """
    known = is_resolved(link, username)
    user_id = _user_id_lookup(link=link, username=username, client=client)
    if known:
        held_refuse(learner=link.learner, username=username, bksb_user_id=user_id)
        return user_id
    with transaction.atomic():
        bksb_user_lock(user_id)
        held_refuse(learner=link.learner, username=username, bksb_user_id=user_id)
        changed = link.bksb_user_id not in (None, user_id)
        link.bksb_user_id, link.resolved_username, link.resolved_at = user_id, username, timezone.now()
        link.unmatched = link.unmatched_username = ""
        link.save(update_fields=["bksb_user_id", "resolved_username", "resolved_at", *UNMATCHED_FIELDS])
        if changed:
            # A different bksb user: their whole history is new to us, even if
            # this download fails and is tried again later.
            last_download_set(link.learner, link, None)
            # Only the current bksb user's results count in the levels summary.
            levels_refresh(learner_ids=[link.learner_id], reason=RELINKED)
        assessment_status_stale(learner_ids=[link.learner_id])
    return user_id


def bksb_user_relink(*, link: BksbLink, username: str, client: BksbClient) -> int:
    """The link's bksb user id stopped resolving (bksb merged the user): follow its username.

    When the username in effect now names another bksb user, the link moves to
    it (the link's history records the old and the new id, with the reason) and
    that user's whole history is read next; results stored under the old id
    stay, marked with it. Raises BksbUserLost when the name names nobody (or
    the same lost id), LinkError when another record holds the new user.
    """
    lost = link.bksb_user_id or 0
    try:
        user_id = client.get_user_id(username)
    except BksbUserNotFound:
        raise BksbUserLost(username=username, bksb_user_id=lost) from None
    if user_id == lost:
        raise BksbUserLost(username=username, bksb_user_id=lost)
    with transaction.atomic():
        bksb_user_lock(user_id)
        held_refuse(learner=link.learner, username=username, bksb_user_id=user_id)
        link.bksb_user_id, link.resolved_username, link.resolved_at = user_id, username, timezone.now()
        link.unmatched = link.unmatched_username = ""
        # django-simple-history's note (at most 100 characters): the audit trail shows it with the two ids.
        link._change_reason = f"relinked by a download: bksb merged user {lost} into {user_id}"  # type: ignore[attr-defined]
        link.save(update_fields=["bksb_user_id", "resolved_username", "resolved_at", *UNMATCHED_FIELDS])
        last_download_set(link.learner, link, None)
        # The old id's results no longer count in the levels summary until the merged user's are read.
        levels_refresh(learner_ids=[link.learner_id], reason=RELINKED)
        assessment_status_stale(learner_ids=[link.learner_id])
    return user_id


def last_download_time(learner: Learner, link: BksbLink) -> dt.datetime | None:
    """On the web user account when there is one (BKSBUPDATED), else on the link."""
    web_user = web_user_of(learner)
    return web_user.bksb_updated if web_user is not None else link.last_download_at


def last_download_set(learner: Learner, link: BksbLink, when: dt.datetime | None) -> None:
    if fields := last_download_link_fields(learner, link, when):
        BksbLink.objects.filter(pk=link.pk).update(**fields)


def last_download_link_fields(learner: Learner, link: BksbLink, when: dt.datetime | None) -> dict[str, object]:
    """Move the last-download time: on the web user account, written here; or on the link, returned as the
    fields for the caller to write with its own update of the link (a download's closing update)."""
    web_user = web_user_of(learner)
    if web_user is not None:
        web_user.bksb_updated = when
        type(web_user).objects.filter(pk=web_user.pk).update(bksb_updated=when)
        return {}
    link.last_download_at = when
    return {"last_download_at": when}


def download_reset(*, learner: Learner) -> None:
    """Re-download all: forget the last-download time so the next download reads every page."""
    with transaction.atomic():
        last_download_set(learner, link_for(learner), None)


def has_results_from_other_user(learner: Learner, bksb_user_id: int) -> bool:
    return any(
        model.objects.filter(learner=learner).exclude(bksb_user_id=bksb_user_id).exists()
        for model in (InitialAssessmentResult, DiagnosticAssessmentResult)
    )


@dataclass(frozen=True)
class LinkOutcome:
    applied: bool
    needs_confirmation: bool
    username: str
    bksb_user_id: int | None
    message: str


def link_apply(
    *, learner: Learner, bksb_user: bool, username: str, client: BksbClient | None, confirmed: bool = False
) -> LinkOutcome:
    """Tick or untick BKSB User and set the BKSB Username, resolving it in bksb.

    Nothing changes when bksb has no such user or another BKSB User record is
    linked to it (LinkError), or when the name points at a different bksb user than the learner's stored results and the
    change is not yet confirmed. Old results keep their bksb user id.
    """
    before = (learner.bksb_user, learner.bksb_username)
    try:
        outcome = _link_apply(learner, bksb_user, username.strip(), client, confirmed)
    except BaseException:
        learner.bksb_user, learner.bksb_username = before
        raise
    if not outcome.applied:
        # Nothing was saved: leave the caller's object as the database has it.
        learner.bksb_user, learner.bksb_username = before
    return outcome


def _link_apply(
    learner: Learner, bksb_user: bool, username: str, client: BksbClient | None, confirmed: bool
) -> LinkOutcome:
    learner.bksb_user, learner.bksb_username = bksb_user, username
    effective, _ = username_in_effect(learner)
    if not bksb_user:
        learner_bksb_fields_save(learner=learner)
        return LinkOutcome(True, False, "", None, "BKSB User is off for this record; its results are kept.")
    if not effective:
        raise LinkError("Enter a BKSB Username: this record has no web user account whose name could be used.")
    link = link_for(learner)
    user_id = _user_id_lookup(link=link, username=effective, client=client)
    with transaction.atomic():
        bksb_user_lock(user_id)
        held_refuse(learner=learner, username=effective, bksb_user_id=user_id)
        if not confirmed and has_results_from_other_user(learner, user_id):
            return LinkOutcome(False, True, effective, user_id, "")
        learner_bksb_fields_save(learner=learner)
        changed = link.bksb_user_id != user_id
        # A record linked for the first time has no results, so no summary to redo.
        relinked = link.bksb_user_id is not None and changed
        link.bksb_user_id, link.resolved_username, link.resolved_at = user_id, effective, timezone.now()
        link.unmatched = link.unmatched_username = ""
        link.save(update_fields=["bksb_user_id", "resolved_username", "resolved_at", *UNMATCHED_FIELDS])
        if changed:
            # A different bksb user: their whole history is new to us.
            last_download_set(learner, link, None)
        if relinked:
            # Only the current bksb user's results count in the levels summary.
            levels_refresh(learner_ids=[learner.pk], reason=RELINKED)
        assessment_status_stale(learner_ids=[learner.pk])
    return LinkOutcome(True, False, effective, user_id, f"Linked to bksb user {effective} (id {user_id}).")


def learner_bksb_fields_save(*, learner: Learner) -> None:
    """Write the record's BKSB User and BKSB Username, and its search column, which holds the username."""
    learner.save(update_fields=["bksb_user", "bksb_username", "updated_at"])
    search_text_refresh(learner_ids=[learner.pk])


def is_linked(learner: Learner) -> bool:
    """A BKSB User whose username has been resolved to a bksb user: nothing to match."""
    if not learner.bksb_user:
        return False
    try:
        return bool(learner.bksb_link.bksb_user_id)
    except BksbLink.DoesNotExist:
        return False


def has_bksb_user(learner: Learner) -> bool:
    """The record has a bksb user we know of: a resolved link (is_linked), or one created for it here."""
    # Asked of the database, not of a learner.bksb_link loaded earlier: a link may have been made since.
    if learner.bksb_user and BksbLink.objects.filter(learner=learner, bksb_user_id__isnull=False).exists():
        return True
    return UserCreationRequest.objects.filter(learner=learner, status=UserCreationRequest.Status.CREATED).exists()
