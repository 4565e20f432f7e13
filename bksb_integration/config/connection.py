"""Is bksb ready to call? A client for the current settings, and Test connection."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, Unpack

from django.core.management.base import CommandError
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from bksb_integration.api.client import BksbClient, ClientOptions, basic_auth_can_carry
from bksb_integration.api.errors import BksbError
from bksb_integration.api.types import Priority, Throttle
from bksb_integration.config.api_address import api_address_problem
from bksb_integration.config.request_metrics import RequestMetrics
from bksb_integration.config.settings_change import KEY_FIELDS
from bksb_integration.config.wording import bksb_error_words
from bksb_integration.models import BksbSettings
from bksb_integration.models.encryption import SecretUnreadable
from permissions.access import bksb_available

logger = logging.getLogger(__name__)

# A harmless authenticated call: asks whether a name nobody uses exists.
PROBE_USERNAME = "bksbmis-connection-test"
TEST_TIMEOUT = 8.0
# bksb calls made while a person waits: fail within seconds rather than outlast the web worker's timeout.
REQUEST_CLIENT_OPTIONS: ClientOptions = {"timeout": 6.0, "max_retries": 1, "backoff_cap": 2.0, "longest_wait": 5.0}


NOT_AVAILABLE = "The bksb module is not available in this deployment (BKSB_INTEGRATION_AVAILABLE is off)."
NOT_ENABLED = "The bksb integration is not enabled: switch on Integration Enabled (Integrations > bksb > Settings)."
NO_KEYS = (
    "Enter the BKSB API url, Access Key ID and Secret Access Key first "
    "(Integrations > bksb > Settings, or manage.py bksb_settings)."
)
SECRET_UNREADABLE = "The stored Secret Access Key cannot be read (the encryption key changed): enter it again."  # noqa: S105
KEY_UNSENDABLE = (
    "The stored Access Key ID or Secret Access Key holds a character HTTP Basic authentication cannot carry: "
    "enter the key again (Integrations > bksb > Settings)."
)


class BudgetProvider(Protocol):
    """Makes a client's throttle on the shared request budget (sync/budget.py's budget_throttle)."""

    def __call__(self, *, rate: float, priority: Priority, longest_wait: float | None = None) -> Throttle: ...


_budget: list[BudgetProvider] = []


def budget_provider_register(provider: BudgetProvider) -> None:
    """The app registers the shared budget (sync/budget.py) from its ready(): every client made here draws on it.

    Registered rather than imported, since the budget lives in a part above this one.
    """
    _budget[:] = [provider]


class BksbNotReady(Exception):
    """bksb cannot be called now; the message says why, in words fit to show staff."""


@dataclass(frozen=True)
class Readiness:
    """Whether bksb can be called now, and if not, why (in words staff can act on)."""

    reason: str = ""

    @property
    def ready(self) -> bool:
        return not self.reason


def bksb_readiness(settings: BksbSettings | None = None, *, need_enabled: bool = True) -> Readiness:
    """The one answer to "is bksb ready?", for views, commands, tasks and templates alike.

    With need_enabled=False the keys may be checked while the integration is
    still switched off (Test connection).
    """
    if not bksb_available():
        return Readiness(NOT_AVAILABLE)
    settings = settings or BksbSettings.load()
    if need_enabled and not settings.integration_enabled:
        return Readiness(NOT_ENABLED)
    if not settings.api_url or not settings.access_key_id or not settings.has_secret_access_key:
        return Readiness(NO_KEYS)
    return Readiness()


def bksb_switched_on(settings: BksbSettings | None = None) -> bool:
    """Has the provider switched the integration on, on a deployment with the bksb module?

    The keys may still be missing: bksb_readiness says whether bksb can be called. Without `settings`
    this is one EXISTS query, cheap enough for a template tag or a list action's check.
    """
    if not bksb_available():
        return False
    if settings is None:
        return BksbSettings.objects.filter(pk=1, integration_enabled=True).exists()
    return settings.integration_enabled


def require_bksb(*, need_configured: bool = True) -> None:
    """Stop a command with the readiness reason when bksb cannot be used."""
    readiness = bksb_readiness(need_enabled=True) if need_configured else _availability()
    if not readiness.ready:
        raise CommandError(readiness.reason)


def _availability() -> Readiness:
    return Readiness() if bksb_available() else Readiness(NOT_AVAILABLE)


@contextmanager
def bksb_client(
    settings: BksbSettings | None = None,
    *,
    need_enabled: bool = True,
    priority: Priority = Priority.PERSON,
    **options: Unpack[ClientOptions],
) -> Iterator[BksbClient]:
    """A client for the current settings (read afresh unless given), closed on leaving.

    Every request it makes draws on the shared budget at `priority`, unless a
    `throttle` is given. `options` go to BksbClient (timeout, max_retries,
    throttle, session, ...). Raises BksbNotReady with the readiness reason.
    """
    client = client_for(settings, need_enabled=need_enabled, priority=priority, **options)
    try:
        yield client
    finally:
        client.close()


@sensitive_variables()
def client_for(
    settings: BksbSettings | None = None,
    *,
    need_enabled: bool = True,
    priority: Priority = Priority.PERSON,
    **options: Unpack[ClientOptions],
) -> BksbClient:
    """The client bksb_client yields, for a caller that closes it itself (tests, long-lived helpers)."""
    settings = settings or BksbSettings.load()
    if options.get("throttle") is None and _budget:
        # A caller that may not wait long (a page: REQUEST_CLIENT_OPTIONS) waits no longer for the budget either.
        longest = options.get("longest_wait")
        options["throttle"] = _budget[0](rate=settings.requests_per_second, priority=priority, longest_wait=longest)
    readiness = bksb_readiness(settings, need_enabled=need_enabled)
    if not readiness.ready:
        raise BksbNotReady(readiness.reason)
    try:
        secret = settings.secret_access_key
    except SecretUnreadable:
        raise BksbNotReady(SECRET_UNREADABLE) from None
    if not (basic_auth_can_carry(settings.access_key_id) and basic_auth_can_carry(secret)):
        raise BksbNotReady(KEY_UNSENDABLE)
    # Checked again before any request: the url's name may resolve elsewhere since it was saved.
    if problem := api_address_problem(settings.api_url):
        raise BksbNotReady(problem)
    options.setdefault("observer", RequestMetrics())
    return BksbClient(
        base_url=settings.api_url, access_key_id=settings.access_key_id, secret_access_key=secret, **options
    )


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    tested: bool = True  # False: no test could be made; `message` says why


@sensitive_variables()
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


def connection_retest(*, settings: BksbSettings, changed: list[str]) -> ConnectionTestResult | None:
    """After a settings change (settings_update's answer): test again when the url or keys changed.

    None when they did not; an untested result (tested=False) when the
    settings are not complete enough to test.
    """
    if not KEY_FIELDS.intersection(changed):
        return None
    readiness = bksb_readiness(settings, need_enabled=False)
    if not readiness.ready:
        return ConnectionTestResult(False, readiness.reason, tested=False)
    return connection_test(settings=settings)


def _probe(settings: BksbSettings) -> ConnectionTestResult:
    options: ClientOptions = {"timeout": TEST_TIMEOUT, "max_retries": 1, "backoff_base": 0.2, "longest_wait": 5}
    try:
        with bksb_client(settings, need_enabled=False, **options) as client:
            client.username_exists(PROBE_USERNAME)
    except BksbNotReady as exc:
        return ConnectionTestResult(False, str(exc))
    except BksbError as exc:
        logger.info("bksb connection test failed: %s", exc)
        return ConnectionTestResult(False, bksb_error_words(exc, url=settings.api_url))
    return ConnectionTestResult(True, "Connected: bksb accepted the key.")
