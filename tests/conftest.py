"""Shared fixtures: personas, service markers, bksb (the sandbox and responses), and the browser.

Tests marked postgres/redis/browser run whenever that service is configured
and are skipped otherwise, unless REQUIRE_SERVICES=1, when a missing service
fails the test instead.

The sandbox's own tests run without Django too (-p no:django): import nothing
from Django or the product at the top of this file.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import responses
from django.conf import settings as django_settings

from bksb_sandbox.server import SandboxServer
from tests.fakes import running_sandbox

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**knobs): how the sandbox fixture runs (see its docstring)")


def _require() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and django_settings.DATABASES["default"]["ENGINE"].find("postgresql") < 0:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("redis"):
        url = os.environ.get("REDIS_URL", "")
        if not url or not _reachable(url, 6379):
            return "needs Redis: set REDIS_URL=redis://... to a running server"
    if item.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_service(item)
    if reason is None:
        return
    if _require():
        pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_mappings() -> None:
    """Each test's downloads map results with that test's level and subject tables, not a cached copy."""
    from bksb_integration.sync.download import mappers_forget

    mappers_forget()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path: Path) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test has its own bksb request budget (file or Redis key), so one
    # test's 429s or rate limit never slow another down.
    settings.VAR_DIR = tmp_path
    settings.BKSB_THROTTLE_NAME = f"bksb-test-{uuid.uuid4().hex}"
    # Likewise its own metric counters and heartbeats (ops/state.py).
    settings.OPS_STATE_PREFIX = f"ops-test-{uuid.uuid4().hex}"
    if not os.environ.get("REDIS_URL"):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _second_factor_passed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Admins' password sign-ins (client.login, force_login, browser_login) count as past the second factor.

    Hundreds of tests sign admins in with a password alone; the second factor has tests of its
    own, marked ``real_second_factor``, where this helper is off and the product's rule applies.
    """
    if request.node.get_closest_marker("real_second_factor") or not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from django.contrib.auth.signals import user_logged_in

    from tests.support import second_factor_mark_passed

    user_logged_in.connect(second_factor_mark_passed, dispatch_uid="tests.second_factor_passed")
    yield
    user_logged_in.disconnect(dispatch_uid="tests.second_factor_passed")


@pytest.fixture
def oidc_provider(settings) -> Iterator[Any]:
    """A real OpenID Connect provider on a free port (tests/oidc_provider.py), configured as the college's."""
    from signin import provider as signin_provider
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

    with running_provider() as provider:
        settings.OIDC_ISSUER = provider.url
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_PROVIDER_NAME = "Test College"
        signin_provider._cache.clear()
        yield provider
        signin_provider._cache.clear()


@pytest.fixture
def roles(db):
    from permissions.roles import roles_ensure

    return roles_ensure()


def _staff(django_user_model, username: str, *, groups=(), superuser: bool = False):
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username, is_staff=True, is_superuser=superuser
    )
    user.groups.add(*groups)
    return user


@pytest.fixture
def admin_user(db, django_user_model, roles):
    return _staff(django_user_model, "admin1", groups=[roles["Administrators"]], superuser=True)


@pytest.fixture
def manager(db, django_user_model, roles):
    return _staff(django_user_model, "manager1", groups=[roles["Managers"]])


@pytest.fixture
def tutor(db, django_user_model, roles):
    return _staff(django_user_model, "tutor1", groups=[roles["Tutors"]])


@pytest.fixture
def outsider(db, django_user_model):
    """A staff account with no rights at all."""
    return _staff(django_user_model, "outsider1")


@pytest.fixture
def staff_with(db, django_user_model):
    """Make a staff user holding exactly the named permissions codenames."""
    from django.contrib.auth.models import Permission

    def make(*codenames: str, username: str = "custom1"):
        user = _staff(django_user_model, username)
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="permissions", codename__in=codenames)
        )
        return user

    return make


@pytest.fixture
def learner(db):
    from tests.factories import LearnerFactory

    return LearnerFactory(learner_ref="L000001", first_name="Amira", last_name="Khan")


@pytest.fixture
def web_user(db, learner):
    from tests.factories import WebUserFactory

    return WebUserFactory(learner=learner, user__username="demo.learner0001")


# -- bksb ---------------------------------------------------------------------------------------


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """The bksb sandbox on a free port: no latency, 300 demo learners, tests.fakes.KEY and SECRET.

    ``@pytest.mark.sandbox(...)`` on a module or a test (the test's words win) sets
    SandboxConfig knobs such as ``page_cap=10`` or ``latency_ms=5``, and:

    - ``switched_on=True``: the integration is switched on against the sandbox;
    - ``fast_clients=True``: clients made by client_for never sleep between retries, share
      no request budget with other runs, and time out after ``client_timeout`` seconds (5).
    """
    knobs: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("sandbox"))):
        knobs.update(marker.kwargs)
    switched_on = knobs.pop("switched_on", False)
    if knobs.pop("fast_clients", False):
        _fast_clients(monkeypatch, timeout=knobs.pop("client_timeout", 5.0))
    with running_sandbox(**knobs) as server:
        if switched_on:
            from tests.support import configure

            configure(server.url)
        yield server


@pytest.fixture
def fast_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients made by client_for never sleep between retries and time out after 5 s."""
    _fast_clients(monkeypatch, timeout=5.0)


def _fast_clients(monkeypatch: pytest.MonkeyPatch, *, timeout: float) -> None:
    # No shared request budget either: a 429 here must not hold back other runs on this machine.
    from bksb_integration.api.client import BksbClient
    from bksb_integration.api.types import NoThrottle
    from bksb_integration.config import connection
    from bksb_integration.sync import download

    monkeypatch.setattr(connection, "BksbClient", functools.partial(BksbClient, sleep=lambda _: None, timeout=timeout))
    monkeypatch.setattr(download, "shared_throttle", lambda **_: NoThrottle())
    monkeypatch.setattr(connection, "_budget", [])


@pytest.fixture
def bksb_http() -> Iterator[responses.RequestsMock]:
    """bksb faked with responses at the HTTP boundary: register its answers; any other call fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# -- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def browser_login(page, live_server):
    """Log in through the real login form as the given user."""

    def login(username: str, password: str) -> None:
        page.goto(live_server.url + "/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("networkidle")

    return login
