"""The BKSB API url is refused when it leads inside the network, unless BKSB_ALLOW_PRIVATE_API_URL allows it.

The tests' settings switch it on for the sandbox on 127.0.0.1; these tests switch it off.
"""

from __future__ import annotations

import io
import socket

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bksb_integration.config.api_address import api_address_problem
from bksb_integration.config.connection import BksbNotReady, client_for, connection_test
from bksb_integration.models import BksbSettings
from tests.fakes import SECRET
from tests.support import configure

pytestmark = pytest.mark.django_db

INTERNAL = {
    "http://127.0.0.1:8765/": "loopback",
    "https://127.0.0.1/": "loopback",
    "https://169.254.169.254/latest/": "link-local",
    "https://10.0.0.5/": "private",
    "https://192.168.1.20:8443/": "private",
    "https://[::1]/": "loopback",
    "http://localhost:8765/": "loopback",
}


@pytest.fixture
def switch_off(settings):
    settings.BKSB_ALLOW_PRIVATE_API_URL = False


@pytest.fixture
def internal_names(monkeypatch):
    """Names the college's DNS resolves inside its network (the resolver answers; nothing else is faked)."""
    answers = {"bksb.college.internal": "10.20.0.7", "metadata.cloud.example": "169.254.169.254"}
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.mark.parametrize(("url", "kind"), INTERNAL.items())
def test_an_internal_address_is_refused_with_the_switch_off(switch_off, url, kind):
    problem = api_address_problem(url)
    assert f"a {kind} address" in problem
    assert "BKSB_ALLOW_PRIVATE_API_URL=True" in problem


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://bksb.college.internal/", "bksb.college.internal (10.20.0.7), a private address"),
        ("https://metadata.cloud.example/", "metadata.cloud.example (169.254.169.254), a link-local address"),
    ],
)
def test_a_name_resolving_inside_the_network_is_refused(switch_off, internal_names, url, shown):
    assert f"The BKSB API url points at {shown}" in api_address_problem(url)


def test_a_public_address_is_allowed(switch_off):
    assert api_address_problem("https://93.184.216.34/") == ""


def test_the_switch_allows_internal_addresses(settings):
    settings.BKSB_ALLOW_PRIVATE_API_URL = True
    assert api_address_problem("http://127.0.0.1:8765/") == ""


def test_the_settings_page_refuses_an_internal_url_and_saves_nothing(switch_off, client, admin_user):
    client.force_login(admin_user)
    data = {"integration_enabled": "on", "api_url": "https://10.0.0.5/", "access_key_id": "k", "secret_access_key": "s"}
    response = client.post(reverse("bksb:settings"), data)
    assert response.status_code == 400  # the form again, with its errors
    assert "The BKSB API url points at 10.0.0.5, a private address" in response.text
    assert BksbSettings.load().api_url != "https://10.0.0.5/"
    assert not BksbSettings.load().has_secret_access_key


def test_the_settings_command_refuses_an_internal_url(switch_off):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"169\.254\.169\.254, a link-local address"):
        call_command("bksb_settings", "--api-url", "https://169.254.169.254/", stdout=out, stderr=out)
    assert BksbSettings.load().api_url != "https://169.254.169.254/"


def test_no_request_carries_the_key_to_a_url_stored_before_the_rule(settings, sandbox):
    stored = configure(sandbox.url)  # saved while the switch was on (an older version, or the switch since removed)
    settings.BKSB_ALLOW_PRIVATE_API_URL = False
    sandbox.reset_stats()
    with pytest.raises(BksbNotReady, match="a loopback address"):
        client_for()
    result = connection_test(settings=stored)
    assert not result.ok
    assert "a loopback address" in result.message
    assert SECRET not in result.message
    assert sum(sandbox.stats()["by_path"].values()) == 0
