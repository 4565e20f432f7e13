"""What the bksb integration adds to the learner list (learners.listing), registered at start-up."""

from __future__ import annotations

from django.http import HttpRequest

from bksb_integration.config.connection import bksb_switched_on
from learners.listing import ListAction, list_action_register
from permissions import access


def _integration_on() -> bool:
    return bksb_switched_on()


def _may_create_users(request: HttpRequest) -> bool:
    return access.can_create_bksb_user(request.user) and _integration_on()


def _may_match(request: HttpRequest) -> bool:
    """Match in bksb (matching): probing needs the integration on, and linking the results Edit BKSB Link."""
    return access.can_edit_bksb_link(request.user) and _integration_on()


def register() -> None:
    list_action_register(
        ListAction(
            label="Create bksb users",
            url_name="bksb:users_create",
            allowed=_may_create_users,
            # The choice of invite that comes next asks before anything starts (web/intake.py).
            help="Records that already have a bksb user are left as they are; you choose about invites next.",
        )
    )
    # Matching records to existing bksb users (web/matching.py): the ticked, or all matching the filter.
    list_action_register(
        ListAction(
            label="Match in bksb",
            url_name="bksb:match_start",
            allowed=_may_match,
            confirm="Look for {count} in bksb?",
            help="Linked records are skipped; the run ends on a review page and links nothing by itself.",
        )
    )
