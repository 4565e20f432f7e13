"""Connection test: one harmless call, a plain-words outcome, recorded on the settings row."""

from __future__ import annotations

import pytest
import requests
import responses
from cryptography.fernet import Fernet

from bksb_integration.api.client import BksbClient
from bksb_integration.config.connection import BksbNotReady, client_for, connection_test
from bksb_integration.models import BksbSettings
from bksb_sandbox.server import SandboxConfig, SandboxServer
from tests.bksb_integration.test_download_support import configure

pytestmark = pytest.mark.django_db

SECRET = "very-secret-key-9f8e7d"
URL = "https://bksb.example.test/"
PROBE = URL + "api/users/isUsernameExists"


def _settings(url: str = URL, *, key: str = "key-1", secret: str = SECRET, enabled: bool = True) -> BksbSettings:
    return configure(url, key=key, secret=secret, enabled=enabled)


def test_client_for_builds_a_client_from_the_current_row():
    _settings()
    client = client_for()
    assert isinstance(client, BksbClient)
    assert client.base_url == URL
    assert SECRET not in repr(client)


def test_client_for_reads_changes_at_once():
    _settings()
    BksbSettings.objects.filter(pk=1).update(api_url="https://other.example.test/")
    assert client_for().base_url == "https://other.example.test/"


def test_client_for_refuses_when_disabled():
    _settings(enabled=False)
    with pytest.raises(BksbNotReady, match="not enabled"):
        client_for()


def test_client_for_refuses_without_keys():
    settings = _settings(secret="")
    settings.integration_enabled = True
    settings.save()
    with pytest.raises(BksbNotReady, match="Secret Access Key"):
        client_for()


def test_client_for_explains_an_unreadable_secret(settings):
    _settings()
    settings.BKSB_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(BksbNotReady, match="cannot be read"):
        client_for()


@responses.activate
def test_a_working_key_is_reported_connected_and_recorded():
    settings = _settings()
    responses.get(PROBE, body="false")
    result = connection_test(settings=settings)
    assert result.ok
    assert result.message == "Connected: bksb accepted the key."
    row = BksbSettings.load()
    assert row.last_test_ok is True
    assert row.last_tested_at is not None
    assert row.last_test_outcome == result.message
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_a_wrong_key_is_explained():
    settings = _settings()
    responses.get(PROBE, status=401, body=f"bad key {SECRET}")
    result = connection_test(settings=settings)
    assert not result.ok
    assert result.message == "bksb refused the key: check the Access Key ID and Secret Access Key."
    assert BksbSettings.load().last_test_ok is False


@responses.activate
def test_a_disabled_key_is_explained():
    settings = _settings()
    responses.get(PROBE, status=403, body="Forbidden")
    result = connection_test(settings=settings)
    assert result.message == "The key is disabled or the permission for this call is not set to Allow in bksb."


@responses.activate
def test_an_unreachable_server_names_the_url():
    settings = _settings()
    responses.get(PROBE, body=requests.ConnectionError("refused"))
    result = connection_test(settings=settings)
    assert not result.ok
    assert result.message == f"bksb could not be reached at {URL}: no connection."
    assert SECRET not in result.message


@responses.activate
def test_something_unexpected_gives_the_status():
    settings = _settings()
    responses.get(PROBE, status=404, body="<html>Not here</html>")
    result = connection_test(settings=settings)
    assert result.message == "bksb answered something unexpected (HTTP 404)."


@responses.activate
def test_keys_can_be_tested_before_enabling():
    settings = _settings(enabled=False)
    responses.get(PROBE, body="false")
    assert connection_test(settings=settings).ok


def test_missing_keys_are_reported_without_a_call():
    settings = BksbSettings.load()
    result = connection_test(settings=settings)
    assert not result.ok
    assert "Access Key ID" in result.message
    assert BksbSettings.load().last_test_ok is False


@pytest.fixture
def sandbox():
    config = SandboxConfig(
        port=0, access_key_id="sandbox-key", secret_access_key=SECRET, users=20, latency_ms=0, jitter_ms=0
    )
    with SandboxServer(config) as server:
        yield server


def test_against_the_sandbox_the_right_key_connects(sandbox):
    settings = _settings(sandbox.url, key="sandbox-key")
    assert connection_test(settings=settings).message == "Connected: bksb accepted the key."


def test_against_the_sandbox_a_wrong_secret_is_refused(sandbox):
    settings = _settings(sandbox.url, key="sandbox-key", secret="not-the-secret")
    result = connection_test(settings=settings)
    assert result.message == "bksb refused the key: check the Access Key ID and Secret Access Key."


def test_against_the_sandbox_a_disabled_key_is_forbidden(sandbox):
    sandbox.set_config(forbidden=True)
    settings = _settings(sandbox.url, key="sandbox-key")
    result = connection_test(settings=settings)
    assert "disabled" in result.message


def test_against_a_closed_port_bksb_cannot_be_reached(sandbox):
    url = sandbox.url
    sandbox.stop()
    settings = _settings(url, key="sandbox-key")
    result = connection_test(settings=settings)
    assert result.message.startswith(f"bksb could not be reached at {url}:")
