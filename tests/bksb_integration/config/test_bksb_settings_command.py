"""manage.py bksb_settings: secrets from stdin or the environment only when asked, never echoed."""

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


def test_reads_secrets_from_the_environment_when_asked(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("BKSB_DEFAULT_PASSWORD", PASSWORD)
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--secret-from-env", "--default-password-from-env")
    settings = BksbSettings.load()
    assert settings.secret_access_key == SECRET
    assert settings.default_password == PASSWORD


def test_ignores_secrets_in_the_environment_unless_asked(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("BKSB_DEFAULT_PASSWORD", PASSWORD)
    _run("--access-key-id", "key-9")
    settings = BksbSettings.load()
    assert not settings.has_secret_access_key
    assert not settings.has_default_password


def test_show_saves_nothing_even_with_secrets_exported(monkeypatch):
    _run("--access-key-id", "key-9")
    before = BksbSettings.history.count()
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("BKSB_DEFAULT_PASSWORD", PASSWORD)
    out = _run("--show")
    assert "Saved" not in out
    assert BksbSettings.history.count() == before
    assert not BksbSettings.load().has_secret_access_key


def test_asking_for_an_unset_variable_is_refused():
    with pytest.raises(CommandError, match="BKSB_SECRET_ACCESS_KEY is not set"):
        _run("--access-key-id", "key-9", "--secret-from-env")
    assert BksbSettings.load().access_key_id == ""


def test_stdin_and_env_for_one_secret_are_refused():
    with pytest.raises(CommandError):
        _run("--secret-from-stdin", "--secret-from-env")


def test_refuses_when_the_deployment_has_no_bksb_module(settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False
    with pytest.raises(CommandError, match="not available in this deployment"):
        _run("--show")


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
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--secret-from-env")
    _run("--disable")
    settings = BksbSettings.load()
    assert not settings.integration_enabled
    assert settings.secret_access_key == SECRET


@responses.activate
def test_test_succeeds_quietly_and_fails_loudly(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    responses.get(URL + "api/users/isUsernameExists", body="false")
    out = _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--secret-from-env", "--test")
    assert "Connected: bksb accepted the key." in out
    responses.replace(responses.GET, URL + "api/users/isUsernameExists", status=401, body=SECRET)
    with pytest.raises(CommandError, match="bksb refused the key") as refused:
        _run("--test")
    assert SECRET not in str(refused.value)


def test_changes_are_recorded_in_history_with_the_reason(monkeypatch):
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", SECRET)
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--secret-from-env")
    latest = BksbSettings.history.latest()
    assert latest.history_change_reason == "bksb_settings command"
    assert latest.access_key_id == "key-9"


def test_moving_the_url_to_another_server_needs_the_secret_again(monkeypatch, stdin):
    stdin(f"{SECRET}\n")
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--secret-from-stdin")
    with pytest.raises(CommandError, match="Enter the Secret Access Key again when you change the BKSB API url"):
        _run("--api-url", "https://elsewhere.example.test/")
    assert BksbSettings.load().api_url == URL
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", "new-secret-1")
    _run("--api-url", "https://elsewhere.example.test/", "--secret-from-env")
    settings = BksbSettings.load()
    assert settings.api_url == "https://elsewhere.example.test/"
    assert settings.secret_access_key == "new-secret-1"


def test_a_new_path_on_the_same_server_keeps_the_secret(stdin):
    stdin(f"{SECRET}\n")
    _run("--api-url", URL, "--access-key-id", "key-9", "--enable", "--secret-from-stdin")
    _run("--api-url", URL + "v2")
    settings = BksbSettings.load()
    assert settings.api_url == URL + "v2/"
    assert settings.secret_access_key == SECRET


def test_moving_the_url_to_another_server_clears_the_default_password_and_says_so(monkeypatch, stdin):
    stdin(f"{SECRET}\n{PASSWORD}\n")
    _run(
        "--api-url", URL, "--access-key-id", "key-9", "--enable",
        "--secret-from-stdin", "--default-password-from-stdin",
    )  # fmt: skip
    monkeypatch.setenv("BKSB_SECRET_ACCESS_KEY", "new-secret-1")
    out = _run("--api-url", "https://elsewhere.example.test/", "--secret-from-env")
    assert "The BKSB API url moved to another server, so the stored Default Password was cleared" in out
    assert "enter it again" in out
    assert not BksbSettings.load().has_default_password
    assert PASSWORD not in out


def test_a_new_path_on_the_same_server_keeps_the_default_password(stdin):
    stdin(f"{SECRET}\n{PASSWORD}\n")
    _run(
        "--api-url", URL, "--access-key-id", "key-9", "--enable",
        "--secret-from-stdin", "--default-password-from-stdin",
    )  # fmt: skip
    out = _run("--api-url", URL + "v2")
    assert "cleared" not in out
    assert BksbSettings.load().default_password == PASSWORD
