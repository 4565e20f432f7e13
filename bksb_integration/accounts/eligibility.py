"""Which learners a bulk Get Results run downloads, and why others are skipped;
whether one learner's BKSB Results download can work at all.

Eligible (as PICSWeb does it): learners and applicants marked BKSB User with a
username in effect, whose system status is Live, and who are in learning (the
statuses chosen in the bksb settings) or whose end date is within the last
month (the number of days is a setting too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.config.connection import bksb_readiness
from bksb_integration.models import BksbSettings
from learners.models import Kind, Learner, SystemStatus

SKIP_REASONS = {
    "not_bksb_user": "Not a BKSB User (selected, but BKSB User is not ticked)",
    "no_username": "BKSB User ticked but no BKSB Username and no web user account",
    "archived": "System status is not Live",
    "not_in_learning": "Not in learning and ended more than the allowed days ago (or no end date)",
    "applicant": "Applicants are excluded in the bksb settings",
}


def _has_username() -> Q:
    return ~Q(bksb_username="") | Q(web_user__isnull=False)


def _in_window(settings: BksbSettings, today: dt.date) -> Q:
    return Q(learning_status__in=settings.eligible_learning_statuses) | Q(end_date__gte=settings.end_date_cutoff(today))


def eligible_learners(*, settings: BksbSettings, today: dt.date) -> QuerySet[Learner]:
    qs = Learner.objects.filter(bksb_user=True, system_status=SystemStatus.LIVE).filter(_has_username())
    qs = qs.filter(_in_window(settings, today))
    if not settings.include_applicants:
        qs = qs.exclude(kind=Kind.APPLICANT)
    return qs


def creation_eligible(*, settings: BksbSettings, today: dt.date) -> Q:
    """Records that would be eligible for Get Results if they were BKSB Users: who should have a bksb user."""
    condition = Q(system_status=SystemStatus.LIVE) & _in_window(settings, today)
    if not settings.include_applicants:
        condition &= ~Q(kind=Kind.APPLICANT)
    return condition


def skipped_counts(*, settings: BksbSettings, today: dt.date, among: QuerySet[Learner] | None = None) -> dict[str, int]:
    """How many BKSB Users a run skips, by first reason, in one query.

    With `among` (a Get Results for a selection), the records of that selection
    only, the ones not ticked BKSB User counted too.
    """
    no_name = ~_has_username()
    archived = ~no_name & ~Q(system_status=SystemStatus.LIVE)
    outside = ~no_name & Q(system_status=SystemStatus.LIVE) & ~_in_window(settings, today)
    filters = {"no_username": no_name, "archived": archived, "not_in_learning": outside}
    if not settings.include_applicants:
        live = ~no_name & Q(system_status=SystemStatus.LIVE) & _in_window(settings, today)
        filters["applicant"] = live & Q(kind=Kind.APPLICANT)
    records = Learner.objects.filter(bksb_user=True)
    if among is not None:
        records = Learner.objects.filter(pk__in=among.order_by().values("pk"))
        filters = {
            "not_bksb_user": Q(bksb_user=False),
            **{reason: condition & Q(bksb_user=True) for reason, condition in filters.items()},
        }
    counts = records.aggregate(**{reason: Count("pk", filter=condition) for reason, condition in filters.items()})
    return {reason: n for reason, n in counts.items() if n}


@dataclass(frozen=True)
class DownloadBlock:
    """Why a BKSB Results download of one learner can only fail, and whether the link panel is the fix."""

    reason: str
    fix_in_link: bool


NOT_A_BKSB_USER = "This record is not a BKSB User: tick BKSB User and Apply."
NO_USERNAME = "This record has no web user account and no BKSB Username: enter its BKSB Username and Apply."


def bksb_results_block(*, learner: Learner, settings: BksbSettings | None = None) -> DownloadBlock | None:
    """None when a download of this learner can work; else why not, in words staff can act on."""
    if not learner.bksb_user:
        return DownloadBlock(NOT_A_BKSB_USER, fix_in_link=True)
    if not effective_bksb_username(learner):
        return DownloadBlock(NO_USERNAME, fix_in_link=True)
    readiness = bksb_readiness(settings)
    if not readiness.ready:
        return DownloadBlock(readiness.reason, fix_in_link=False)
    return None


# -- matching -----------------------------------------------------------------------


def unlinked_learners(*, settings: BksbSettings, today: dt.date) -> QuerySet[Learner]:
    """The records Match learners looks for in bksb: Live, in the same window as downloads, not linked.

    Not linked: not a BKSB User, or one whose username has not been resolved to a bksb user.
    """
    qs = Learner.objects.filter(system_status=SystemStatus.LIVE).filter(_in_window(settings, today))
    if not settings.include_applicants:
        qs = qs.exclude(kind=Kind.APPLICANT)
    return qs.exclude(bksb_user=True, bksb_link__bksb_user_id__isnull=False)
