"""Connection test: one harmless call, a plain-words outcome, recorded on the settings row."""

from __future__ import annotations

import pytest
import requests
import responses
from cryptography.fernet import Fernet

from bksb_integration.api.client import BksbClient
from bksb_integration.config.connection import BksbNotReady, client_for, connection_test
from bksb_integration.models import BksbSettings
from tests.fakes import SECRET, URL
from tests.support import configure

pytestmark = pytest.mark.django_db

PROBE = URL + "api/users/isUsernameExists"


def test_client_for_builds_a_client_from_the_current_row():
    configure()
    client = client_for()
    assert isinstance(client, BksbClient)
    assert client.base_url == URL
    assert SECRET not in repr(client)


def test_client_for_reads_changes_at_once():
    configure()
    BksbSettings.objects.filter(pk=1).update(api_url="https://other.example.test/")
    assert client_for().base_url == "https://other.example.test/"


def test_client_for_refuses_when_disabled():
    configure(enabled=False)
    with pytest.raises(BksbNotReady, match="not enabled"):
        client_for()


def test_client_for_refuses_without_keys():
    settings = configure(secret="")
    settings.integration_enabled = True
    settings.save()
    with pytest.raises(BksbNotReady, match="Secret Access Key"):
        client_for()


def test_client_for_explains_an_unreadable_secret(settings):
    configure()
    settings.BKSB_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(BksbNotReady, match="cannot be read"):
        client_for()


@responses.activate
def test_a_working_key_is_reported_connected_and_recorded():
    settings = configure()
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
    settings = configure()
    responses.get(PROBE, status=401, body=f"bad key {SECRET}")
    result = connection_test(settings=settings)
    assert not result.ok
    assert result.message == "bksb refused the key: check the Access Key ID and Secret Access Key."
    assert BksbSettings.load().last_test_ok is False


@responses.activate
def test_a_disabled_key_is_explained():
    settings = configure()
    responses.get(PROBE, status=403, body="Forbidden")
    result = connection_test(settings=settings)
    assert result.message == "The key is disabled or the permission for this call is not set to Allow in bksb."


@responses.activate
def test_an_unreachable_server_names_the_url():
    settings = configure()
    responses.get(PROBE, body=requests.ConnectionError("refused"))
    result = connection_test(settings=settings)
    assert not result.ok
    assert result.message == f"bksb could not be reached at {URL}: no connection."
    assert SECRET not in result.message


@responses.activate
def test_something_unexpected_gives_the_status():
    settings = configure()
    responses.get(PROBE, status=404, body="<html>Not here</html>")
    result = connection_test(settings=settings)
    assert result.message == "bksb answered something unexpected (HTTP 404)."


@responses.activate
def test_keys_can_be_tested_before_enabling():
    settings = configure(enabled=False)
    responses.get(PROBE, body="false")
    assert connection_test(settings=settings).ok


def test_missing_keys_are_reported_without_a_call():
    settings = BksbSettings.load()
    result = connection_test(settings=settings)
    assert not result.ok
    assert "Access Key ID" in result.message
    assert BksbSettings.load().last_test_ok is False


def test_against_the_sandbox_the_right_key_connects(sandbox):
    settings = configure(sandbox.url)
    assert connection_test(settings=settings).message == "Connected: bksb accepted the key."


def test_against_the_sandbox_a_wrong_secret_is_refused(sandbox):
    settings = configure(sandbox.url, secret="not-the-secret")
    result = connection_test(settings=settings)
    assert result.message == "bksb refused the key: check the Access Key ID and Secret Access Key."


def test_against_the_sandbox_a_disabled_key_is_forbidden(sandbox):
    sandbox.set_config(forbidden=True)
    settings = configure(sandbox.url)
    result = connection_test(settings=settings)
    assert "disabled" in result.message


def test_against_a_closed_port_bksb_cannot_be_reached(sandbox):
    url = sandbox.url
    sandbox.stop()
    settings = configure(url)
    result = connection_test(settings=settings)
    assert result.message.startswith(f"bksb could not be reached at {url}:")
