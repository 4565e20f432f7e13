"""manage.py bksb_settings: secrets from stdin or the environment only, never echoed."""

from __future__ import annotations

import io

import pytest
import responses
from django.core.management import CommandError, call_command

from bksb_integration.models import BksbSettings

pytestmark = pytest.mark.django_db

SECRET = "cmd-secret-0a9b8c"
PASSWORD = "Cmd-Default-Pw-77"
URL = "https://bksb.example.test/"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("bksb_settings", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_secrets_in_the_environment(monkeypatch):
    monkeypatch.delenv("BKSB_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.delenv("BKSB_DEFAULT_PASSWORD", raising=False)


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


def test_sets_everything_with_secrets_from_stdin(stdin):
    stdin(f"{SECRET}\n{PASSWORD}\n")
    out = _run(
        "--api-url", URL, "--access-key-id", "key-9", "--enable", "--auto-enrol",
        "--secret-from-stdin", "--default-password-from-stdin", "--show",
    )  # fmt: skip
    settings = BksbSettings.load()
    assert settings.is_configured
    assert settings.secret_access_key == SECRET
    assert settings.default_password == PASSWORD
    assert settings.auto_enrol_courses
    assert SECRET not in out
    assert PASSWORD not in out
    assert "Secret Access Key: set" in out
    assert "Default Password: set" in out
    assert "Integration Enabled: yes" in out


def test_reads_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("BKSB_DEFAULT_PASSWORD", PASSWORD)
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable")
    settings = BksbSettings.load()
    assert settings.secret_access_key == SECRET
    assert settings.default_password == PASSWORD


def test_show_masks_secrets_when_not_set():
    out = _run("--show")
    assert "Secret Access Key: not set" in out
    assert "BKSB API url: https://live2api.bksblive2.co.uk/" in out


def test_secrets_are_never_accepted_in_argv():
    with pytest.raises(CommandError):
        _run("--secret-access-key", SECRET)


def test_refuses_an_unsafe_url_like_the_form_does():
    with pytest.raises(CommandError, match="must start with https://"):
        _run("--api-url", "http://bksb.example.test/")
    assert BksbSettings.load().api_url == "https://live2api.bksblive2.co.uk/"


def test_refuses_enabling_without_keys():
    with pytest.raises(CommandError, match="Integration Enabled: Enter the Access Key ID"):
        _run("--enable")


def test_disable_keeps_the_keys(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable")
    monkeypatch.delenv("BKSB_SECRET_ACCESS_KEY")
    _run("--disable")
    settings = BksbSettings.load()
    assert not settings.integration_enabled
    assert settings.secret_access_key == SECRET


@responses.activate
def test_test_succeeds_quietly_and_fails_loudly(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    responses.get(URL + "api/users/isUsernameExists", body="false")
    out = _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--test")
    assert "Connected: bksb accepted the key." in out
    responses.replace(responses.GET, URL + "api/users/isUsernameExists", status=401, body=SECRET)
    with pytest.raises(CommandError, match="bksb refused the key") as refused:
        _run("--test")
    assert SECRET not in str(refused.value)


def test_changes_are_recorded_in_history_with_the_reason(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable")
    latest = BksbSettings.history.latest()
    assert latest.history_change_reason == "bksb_settings command"
    assert latest.access_key_id == "key-9"
