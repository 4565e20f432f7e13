"""Sessions end when idle and after a lifetime; signed-in pages and downloads are never cached;
the proxy's X-Forwarded-Proto is believed only when the environment says a proxy sets it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import WebUserFactory
from tests.support import linked_learner
from tests.test_production_settings import PRODUCTION, _run

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def _signed_in(client: Client) -> bool:
    response = client.get(reverse("learners:list"))
    return response.status_code == 200


# -- idle timeout and absolute lifetime -------------------------------------------------------------


def test_a_session_idle_longer_than_the_timeout_ends_with_a_message(client, admin_user):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(admin_user)
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("learners:list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "You were signed out after 30 minutes without activity." in response.text
    assert not _signed_in(client)


def test_the_clock_starts_when_signing_in(client, admin_user):
    with time_machine.travel(START, tick=False) as clock:
        response = client.post(reverse("login"), {"username": "admin1", "password": "pw-admin1"})
        assert response.status_code == 302
        clock.shift(dt.timedelta(minutes=31))
        assert not _signed_in(client)


def test_a_session_in_use_outlasts_the_idle_timeout(client, admin_user):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(admin_user)
        for _ in range(4):  # 2 hours, a request every 29 minutes
            assert _signed_in(client)
            clock.shift(dt.timedelta(minutes=29))
        assert _signed_in(client)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(client, admin_user):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(admin_user)
        assert _signed_in(client)
        for _ in range(40):  # 9 h 40 min, a request every quarter of an hour
            clock.shift(dt.timedelta(minutes=14, seconds=30))
            assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=25))  # 10 h 5 min after signing in, 25 min after the last request
        response = client.get(reverse("learners:list"), follow=True)
    assert "You were signed out 10 hours after signing in." in response.text
    assert not _signed_in(client)


def test_the_timeouts_are_settings(client, admin_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(admin_user)
        assert _signed_in(client)
        clock.shift(dt.timedelta(minutes=6))
        assert not _signed_in(client)


def test_the_environment_sets_the_timeouts_and_the_cookie_lasts_no_longer(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_IDLE_TIMEOUT, s.SESSION_ABSOLUTE_LIFETIME, s.SESSION_COOKIE_AGE)"
    )
    done = _run(code, tmp_path, **PRODUCTION)
    assert done.stdout.split() == ["1800", "36000", "36000"]
    done = _run(code, tmp_path, **PRODUCTION, SESSION_IDLE_MINUTES="15", SESSION_ABSOLUTE_HOURS="8")
    assert done.stdout.split() == ["900", "28800", "28800"]


# -- Cache-Control on every signed-in page and download ---------------------------------------------


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        else:
            found.append(route)
    return found


def _product_urls(pk: int) -> list[str]:
    """Every product URL a GET can open: no parameter, or a record's <int:pk>. The Django admin is left out."""
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("admin/") or "logout" in route:
            continue
        params = re.findall(r"<[^>]+>", route)
        if params and params != ["<int:pk>"]:
            continue
        urls.append("/" + route.replace("<int:pk>", str(pk)))
    return urls


def test_every_signed_in_page_and_download_is_never_cached(client, admin_user, sandbox):
    learner = linked_learner("demo.learner0001")
    client.force_login(admin_user)
    urls = _product_urls(learner.pk)
    assert "/learners/export.csv" in urls
    assert f"/learners/{learner.pk}/bksb/evidence-pack.pdf" in urls
    opened = 0
    for url in urls:
        response = client.get(url)
        directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        assert {"no-store", "private"} <= directives, f"{url} answered {response.status_code} with {directives}"
        assert "public" not in directives
        opened += response.status_code == 200
    assert opened > 30


def test_hub_pages_are_never_cached(client):
    web_user = WebUserFactory(user__username="demo.learner0002")
    client.force_login(web_user.user)
    response = client.get(reverse("hub:dashboard"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


# -- the proxy header ---------------------------------------------------------------------------------


def test_x_forwarded_proto_is_ignored_unless_a_proxy_is_declared(tmp_path):
    code = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    assert _run(code, tmp_path, **PRODUCTION).stdout.strip() == "None"
    declared = _run(code, tmp_path, **PRODUCTION, PROXY_SETS_X_FORWARDED_PROTO="True")
    assert declared.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize(("header", "secure"), [(None, False), (("HTTP_X_FORWARDED_PROTO", "https"), True)])
def test_a_client_claiming_https_is_believed_only_behind_a_declared_proxy(rf, header, secure):
    with override_settings(SECURE_PROXY_SSL_HEADER=header):
        request = rf.get("/", HTTP_X_FORWARDED_PROTO="https")
        assert request.is_secure() is secure
