"""Template helpers for the bksb actions on learner pages."""

from __future__ import annotations

from django import template

from bksb_integration.accounts.linking import has_bksb_user
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.config.connection import bksb_switched_on
from learners.models import Learner

register = template.Library()


@register.simple_tag
def bksb_integration_enabled() -> bool:
    """{% bksb_integration_enabled as enabled %}: is the bksb integration switched on?"""
    return bksb_switched_on()


@register.simple_tag
def bksb_record_actions(learner: Learner) -> dict[str, bool]:
    """Which of BKSB | Create user and Send invite fit this record."""
    return {"create": not has_bksb_user(learner), "invite": bool(effective_bksb_username(learner))}
