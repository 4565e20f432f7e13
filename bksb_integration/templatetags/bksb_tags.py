"""Template helpers for the bksb actions on learner pages."""

from __future__ import annotations

from django import template

from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.creation.user_create import is_linked
from bksb_integration.models import BksbSettings
from learners.models import Learner

register = template.Library()


@register.simple_tag
def bksb_integration_enabled() -> bool:
    """{% bksb_integration_enabled as enabled %}: is the bksb integration switched on?"""
    return BksbSettings.objects.filter(pk=1, integration_enabled=True).exists()


@register.simple_tag
def bksb_record_actions(learner: Learner) -> dict[str, bool]:
    """Which of BKSB | Create user and Send invite fit this record."""
    return {"create": not is_linked(learner), "invite": bool(effective_bksb_username(learner))}
