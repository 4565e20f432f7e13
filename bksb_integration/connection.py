"""Connecting to bksb with the current settings, and testing that connection."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from bksb_integration.client import BksbClient
from bksb_integration.crypto import SecretUnreadable
from bksb_integration.errors import BksbAuthError, BksbError
from bksb_integration.models import BksbSettings

logger = logging.getLogger(__name__)

# A harmless authenticated call: asks whether a name nobody uses exists.
PROBE_USERNAME = "bksbmis-connection-test"
TEST_TIMEOUT = 8.0


class IntegrationNotConfigured(Exception):
    """The bksb integration is switched off, or its keys are missing or unreadable."""


def client_for(settings: BksbSettings | None = None, *, require_enabled: bool = True, **options: Any) -> BksbClient:
    """A client for the current settings (read afresh unless given).

    `options` go to BksbClient (timeout, max_retries, throttle, ...). Raises
    IntegrationNotConfigured with a message fit to show staff.
    """
    settings = settings or BksbSettings.load()
    if require_enabled and not settings.integration_enabled:
        raise IntegrationNotConfigured("The bksb integration is not enabled (Integrations > bksb > Settings).")
    if not settings.api_url or not settings.access_key_id or not settings.has_secret_access_key:
        raise IntegrationNotConfigured("Enter the BKSB API url, Access Key ID and Secret Access Key first.")
    try:
        secret = settings.secret_access_key
    except SecretUnreadable:
        raise IntegrationNotConfigured(
            "The stored Secret Access Key cannot be read (the encryption key changed): enter it again."
        ) from None
    return BksbClient(
        base_url=settings.api_url, access_key_id=settings.access_key_id, secret_access_key=secret, **options
    )


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str


def connection_test(*, settings: BksbSettings) -> ConnectionTestResult:
    """Make one harmless authenticated call and record the outcome on the settings row.

    Works while the integration is still switched off, so keys can be checked
    before turning it on.
    """
    result = _probe(settings)
    settings.last_tested_at = timezone.now()
    settings.last_test_ok = result.ok
    settings.last_test_outcome = result.message[:300]
    settings.save(update_fields=["last_tested_at", "last_test_ok", "last_test_outcome"])
    return result


def _probe(settings: BksbSettings) -> ConnectionTestResult:
    try:
        client = client_for(
            settings, require_enabled=False, timeout=TEST_TIMEOUT, max_retries=1, backoff_base=0.2, longest_wait=5
        )
    except IntegrationNotConfigured as exc:
        return ConnectionTestResult(False, str(exc))
    try:
        client.username_exists(PROBE_USERNAME)
    except BksbError as exc:
        logger.info("bksb connection test failed: %s", exc)
        return ConnectionTestResult(False, _explain(exc, settings.api_url))
    finally:
        client.close()
    return ConnectionTestResult(True, "Connected: bksb accepted the key.")


def _explain(exc: BksbError, url: str) -> str:
    if isinstance(exc, BksbAuthError) and exc.status == 403:
        return "The key is disabled or the permission for this call is not set to Allow in bksb."
    if isinstance(exc, BksbAuthError):
        return "bksb refused the key: check the Access Key ID and Secret Access Key."
    if exc.status is None:
        reason = exc.detail or "the request failed"
        return f"bksb could not be reached at {url}: {reason}."
    return f"bksb answered something unexpected (HTTP {exc.status})."
