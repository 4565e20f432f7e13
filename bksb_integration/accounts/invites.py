"""Invite emails: telling a learner about their bksb account.

The optional auto-login link logs the learner straight in, so it is made by
bksb at the moment of sending, goes into the email and nowhere else: it is
never stored, logged or shown to staff.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bksb_integration.accounts.invite_template import (
    BODY_PLACEHOLDERS,
    DEFAULT_BODY,
    DEFAULT_SUBJECT,
    SUBJECT_PLACEHOLDERS,
    template_fill,
    template_problems,
)
from bksb_integration.accounts.linking import LinkError, bksb_user_id_resolve, link_for
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbError
from bksb_integration.models import BksbLink, BksbSettings, Invite
from bksb_integration.models.induction import assessment_status_stale
from learners.models import Learner

logger = logging.getLogger(__name__)

GENERIC_LOGIN_PLACE = "your provider's bksb site"
SAMPLE_LINK = "https://bksb.example/autologin/(made when the email is sent)"
TEMPLATE_PAGE = "Integrations > bksb > Invite email"
# A second invite to the same record within this time is taken for a repeat and not sent.
INVITE_REPEAT_WINDOW = dt.timedelta(minutes=2)


class InviteError(Exception):
    """The invite was not sent; the message is fit to show staff."""


class InviteTemplateError(InviteError):
    """The stored subject or body is not a valid template; `reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The invite template cannot be used: {reason} An admin can fix it at {TEMPLATE_PAGE}.")


@dataclass(frozen=True)
class InviteEmail:
    subject: str
    body: str


def invite_problems(*, learner: Learner) -> list[str]:
    """Why no invite can be sent to this record (before asking bksb anything)."""
    problems = []
    if not effective_bksb_username(learner):
        problems.append("The record has no bksb user yet: create one first.")
    if not learner.email:
        problems.append("The record has no email address.")
    else:
        try:
            validate_email(learner.email)
        except ValidationError:
            problems.append(f"The record's email address “{learner.email}” is not valid.")
    return problems


def login_url(settings: BksbSettings) -> str:
    return settings.hub_bksb_url if settings.hub_bksb_url else GENERIC_LOGIN_PLACE


def invite_render(
    *, settings: BksbSettings, first_name: str, last_name: str, username: str, auto_login_link: str = ""
) -> InviteEmail:
    """The email from the admin-edited subject and body (or the built-in body when blank).

    Raises InviteTemplateError when the stored text is not a valid template
    (text saved before placeholders, which the Invite email page refuses).
    """
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "bksb_username": username,
        "login_url": login_url(settings),
        "auto_login_link": auto_login_link,
    }
    _template_check(settings)
    subject = " ".join(template_fill(settings.invite_subject, values).split())
    body = template_fill(_body_text(settings), values)
    return InviteEmail(subject=subject or DEFAULT_SUBJECT, body=body.strip() + "\n")


def _body_text(settings: BksbSettings) -> str:
    return settings.invite_body if settings.invite_body.strip() else DEFAULT_BODY


def _template_check(settings: BksbSettings) -> None:
    problems = [
        *template_problems(settings.invite_subject, allowed=SUBJECT_PLACEHOLDERS),
        *template_problems(_body_text(settings), allowed=BODY_PLACEHOLDERS),
    ]
    if problems:
        raise InviteTemplateError(" ".join(problems))


def invite_preview(*, settings: BksbSettings) -> InviteEmail:
    """The email for a sample learner; raises InviteTemplateError when the template cannot be rendered."""
    return invite_render(
        settings=settings, first_name="Amira", last_name="Khan", username="akhan1", auto_login_link=SAMPLE_LINK
    )


@dataclass(frozen=True)
class InviteOutcome:
    """The invite sent, or, when `repeated`, the one an earlier submit sent moments ago (no email went now).

    `invite` is None only while that earlier submit is still sending.
    """

    invite: Invite | None
    repeated: bool = False

    @property
    def message(self) -> str:
        if not self.repeated and self.invite is not None:
            return f"Invite sent to {self.invite.email}."
        if self.invite is None:
            return "An invite to this record is being sent right now; no second email was sent."
        sent_at = timezone.localtime(self.invite.sent_at)
        again = sent_at + INVITE_REPEAT_WINDOW
        return (
            f"An invite was just sent to {self.invite.email} (at {sent_at:%H:%M}); no second email was sent. "
            f"Another can be sent from {again:%H:%M}."
        )


def invite_send(
    *,
    learner: Learner,
    sent_by: User | None,
    with_auto_login_link: bool,
    client: BksbClient | None,
    settings: BksbSettings | None = None,
) -> InviteOutcome:
    """Email the learner their bksb username and how to log in, and record the invite.

    At most one invite per record within INVITE_REPEAT_WINDOW: a double click
    or a resubmitted form gets the earlier invite back, marked `repeated`.
    """
    settings = settings or BksbSettings.load()
    problems = invite_problems(learner=learner)
    if problems:
        raise InviteError(" ".join(problems))
    _template_check(settings)  # before bksb is asked for a link that would go unused
    link_row = link_for(learner)
    claimed_at = _claim(link_row)
    if claimed_at is None:
        return InviteOutcome(learner.bksb_invites.order_by("-sent_at", "-pk").first(), repeated=True)
    try:
        invite = _send(learner, sent_by, with_auto_login_link, client, settings)
    except BaseException:
        # Nothing was sent: free the record for the next try at once.
        BksbLink.objects.filter(pk=link_row.pk, invite_claimed_at=claimed_at).update(invite_claimed_at=None)
        raise
    return InviteOutcome(invite)


def invite_unconfirmed(*, learner: Learner) -> bool:
    """Did a sender take the record for an invite and die before recording it (the email may have gone)?

    A finished send records its Invite after the claim; a failed one frees the claim. Only a
    process killed between the two leaves a claim with no invite at or after it.
    """
    claimed_at = BksbLink.objects.filter(learner=learner).values_list("invite_claimed_at", flat=True).first()
    if claimed_at is None:
        return False
    return not Invite.objects.filter(learner=learner, sent_at__gte=claimed_at).exists()


def _claim(link_row: BksbLink) -> dt.datetime | None:
    """Take the record for one invite (a conditional update: one of any number of submits wins)."""
    now = timezone.now()
    free = Q(invite_claimed_at__isnull=True) | Q(invite_claimed_at__lte=now - INVITE_REPEAT_WINDOW)
    taken = BksbLink.objects.filter(free, pk=link_row.pk).update(invite_claimed_at=now)
    return now if taken == 1 else None


def _send(
    learner: Learner,
    sent_by: User | None,
    with_auto_login_link: bool,
    client: BksbClient | None,
    settings: BksbSettings,
) -> Invite:
    username = effective_bksb_username(learner)
    link = _auto_login_link(learner, username, client) if with_auto_login_link else ""
    email = invite_render(
        settings=settings,
        first_name=learner.first_name,
        last_name=learner.last_name,
        username=username,
        auto_login_link=link,
    )
    try:
        send_mail(email.subject, email.body, django_settings.DEFAULT_FROM_EMAIL, [learner.email])
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("bksb invite to learner %s not sent: %s", learner.learner_ref, type(exc).__name__)
        raise InviteError("The email could not be sent: check the email settings and try again.") from None
    with transaction.atomic():
        invite = Invite.objects.create(
            learner=learner,
            sent_by=sent_by,
            email=learner.email,
            username=username,
            with_auto_login_link=bool(link),
        )
        assessment_status_stale(learner_ids=[learner.pk])
    logger.info("bksb invite sent to learner %s (auto-login link: %s)", learner.learner_ref, bool(link))
    return invite


def _auto_login_link(learner: Learner, username: str, client: BksbClient | None) -> str:
    if client is None:
        raise InviteError("The bksb integration is not configured, so no auto-login link can be made.")
    try:
        user_id = bksb_user_id_resolve(link=link_for(learner), username=username, client=client)
        return client.get_auto_login_link(user_id).link
    except LinkError as exc:
        raise InviteError(str(exc)) from None
    except BksbError as exc:
        raise InviteError(f"bksb could not make an auto-login link ({exc.message}); nothing was sent.") from None
