"""/health/ready's "bksb": is the integration ready to call bksb?"""

from __future__ import annotations

from django.db import DatabaseError

from bksb_integration.config.connection import NOT_AVAILABLE, NOT_ENABLED, bksb_readiness
from ops.health import Check


def bksb_health() -> Check:
    """bksb_readiness, failing only while the integration is switched on.

    Switched off (or not in this deployment), nothing waits on bksb: a fresh
    installation must still be ready, or the admin who is to switch it on
    could not reach the Settings page through the orchestrator.
    """
    try:
        readiness = bksb_readiness()
    except DatabaseError:
        return Check(False, "the bksb settings cannot be read (the database does not answer)")
    if readiness.ready:
        return Check(True, "ready")
    if readiness.reason in (NOT_AVAILABLE, NOT_ENABLED):
        return Check(True, "switched off")
    return Check(False, readiness.reason)
