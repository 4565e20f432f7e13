"""What every bksb command checks first."""

from __future__ import annotations

from django.core.management.base import CommandError

from bksb_integration.models import BksbSettings
from permissions.access import bksb_available

NOT_AVAILABLE = "The bksb module is not available in this deployment (BKSB_INTEGRATION_AVAILABLE is off)."
NOT_CONFIGURED = (
    "The bksb integration is not ready: switch on Integration Enabled and enter the BKSB API url, "
    "Access Key ID and Secret Access Key (Integrations > bksb > Settings, or manage.py bksb_settings)."
)


def bksb_refusal(*, need_configured: bool) -> str | None:
    """Why bksb work cannot start now, or None when it can."""
    if not bksb_available():
        return NOT_AVAILABLE
    if need_configured and not BksbSettings.load().is_configured:
        return NOT_CONFIGURED
    return None


def require_bksb(*, need_configured: bool = True) -> None:
    """Stop a command with a clear message when the bksb module is off or not configured."""
    refusal = bksb_refusal(need_configured=need_configured)
    if refusal:
        raise CommandError(refusal)
