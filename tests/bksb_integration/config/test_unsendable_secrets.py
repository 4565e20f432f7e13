"""A secret HTTP Basic authentication cannot carry (e.g. "€"): refused at input, and a stored
one (from before the check) turns every bksb call into a plain message instead of a 500 that
names it; error reports never show a secret."""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from types import TracebackType

import pytest
import requests
import responses
from django.core.management import CommandError, call_command
from django.core.signals import got_request_exception
from django.urls import reverse
from django.views.debug import ExceptionReporter

from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbEncodingError, BksbError
from bksb_integration.models import BksbLink, BksbSettings
from tests.factories import LearnerFactory
from tests.fakes import PASSWORD, SECRET, URL, FakeBksb
from tests.support import configure

pytestmark = pytest.mark.django_db

EURO_SECRET = "s3cret-€-key"
CANNOT_CARRY = "HTTP Basic authentication cannot carry"


@pytest.fixture
def bksb() -> Iterator[FakeBksb]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeBksb(mock).install()


@pytest.fixture
def stored_euro_secret(db) -> BksbSettings:
    """A secret saved before input was checked: only the encryption layer saw it."""
    return configure(secret_access_key=EURO_SECRET, hub_bksb_url_enabled=True, hub_bksb_url=URL, hub_bksb_sso=True)


def _page(response) -> str:
    return response.content.decode()


# Input: the Settings form and bksb_settings refuse it, without echoing it.


@pytest.mark.parametrize("secret", [EURO_SECRET, "tab\there", "naïve-é"])
def test_the_settings_form_refuses_a_secret_basic_auth_cannot_carry(client, admin_user, secret):
    client.force_login(admin_user)
    data = {"integration_enabled": "on", "api_url": URL, "access_key_id": "key-id-1", "secret_access_key": secret}
    response = client.post(reverse("bksb:settings"), data)
    assert response.status_code == 400
    assert CANNOT_CARRY in _page(response)
    assert secret not in _page(response)
    assert not BksbSettings.load().has_secret_access_key


def test_the_settings_form_refuses_an_access_key_id_basic_auth_cannot_carry(client, admin_user):
    client.force_login(admin_user)
    data = {"api_url": URL, "access_key_id": "kéy:1", "secret_access_key": SECRET}
    response = client.post(reverse("bksb:settings"), data)
    assert response.status_code == 400
    assert CANNOT_CARRY in _page(response)
    assert BksbSettings.load().access_key_id == ""


def test_the_command_refuses_a_secret_basic_auth_cannot_carry(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(EURO_SECRET + "\n"))
    with pytest.raises(CommandError, match=CANNOT_CARRY) as refused:
        call_command("bksb_settings", "--api-url", URL, "--access-key-id", "k-1", "--secret-from-stdin")
    assert EURO_SECRET not in str(refused.value)
    assert not BksbSettings.load().has_secret_access_key


def test_a_default_password_in_any_alphabet_is_kept_since_it_goes_in_the_form_body(client, admin_user):
    configure()
    client.force_login(admin_user)
    data = {"integration_enabled": "on", "api_url": URL, "access_key_id": "key-id-1", "default_password": "Pässwörd-€1"}
    assert client.post(reverse("bksb:settings"), data).status_code == 302
    assert BksbSettings.load().default_password == "Pässwörd-€1"


# The client: its own error, never the secret, never a chained UnicodeEncodeError.


def test_the_client_turns_an_unencodable_secret_into_a_bksb_error_without_the_secret(caplog):
    client = BksbClient(base_url=URL, access_key_id="key-1", secret_access_key=EURO_SECRET, max_retries=0)
    with responses.RequestsMock() as mock, pytest.raises(BksbEncodingError) as raised:
        client.username_exists("anyone")
    assert isinstance(raised.value, BksbError)
    assert not mock.calls
    assert CANNOT_CARRY in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None
    for text in (str(raised.value), raised.value.detail, caplog.text):
        assert EURO_SECRET not in text
        assert "€" not in text


# Every bksb call with such a secret stored: a message, not a 500.


def test_test_connection_explains_instead_of_failing(client, admin_user, stored_euro_secret):
    client.force_login(admin_user)
    page = _page(client.post(reverse("bksb:test_connection"), follow=True))
    assert CANNOT_CARRY in page
    assert EURO_SECRET not in page


def test_apply_explains_instead_of_failing(client, manager, stored_euro_secret, bksb):
    learner = LearnerFactory()
    url = reverse("bksb:link", args=[learner.pk])
    response = client_post_as(client, manager, url, bksb_user="on", bksb_username="akhan1")
    assert response.status_code == 400
    assert CANNOT_CARRY in _page(response)
    assert not bksb.mock.calls


def test_create_user_explains_instead_of_failing(client, admin_user, stored_euro_secret, bksb):
    learner = LearnerFactory(email="a@example.ac.uk")
    data = {"username": "akhan1", "email": "a@example.ac.uk"}
    response = client_post_as(client, admin_user, reverse("bksb:create_user", args=[learner.pk]), **data)
    assert CANNOT_CARRY in _page(response)
    assert not bksb.mock.calls


def test_invite_with_an_auto_login_link_explains_instead_of_failing(client, admin_user, stored_euro_secret, bksb):
    learner = LearnerFactory(email="a@example.ac.uk", bksb_user=True, bksb_username="akhan1")
    url = reverse("bksb:invite", args=[learner.pk])
    response = client_post_as(client, admin_user, url, with_auto_login_link="on")
    assert response.status_code == 400
    assert CANNOT_CARRY in _page(response)
    assert not bksb.mock.calls


def test_the_hub_bksb_button_falls_back_to_the_sign_in_page(client, web_user, stored_euro_secret, bksb):
    learner = web_user.learner
    learner.bksb_user = True
    learner.save()
    BksbLink.objects.create(learner=learner, bksb_user_id=2100001, resolved_username="demo.learner0001")
    client.force_login(web_user.user)
    response = client.get(reverse("hub:bksb"))
    assert response.status_code == 200
    assert "sign-in page" in _page(response)
    assert not bksb.mock.calls


def client_post_as(client, user, url: str, **data: str):
    client.force_login(user)
    return client.post(url, data)


# Error reports (the 500 page with DEBUG off, admin emails) hide every secret.


def _report_of_crash(client, method: str, url: str, data: dict | None = None) -> str:
    """What an error report (admin email, 500 page with DEBUG off) would show of the crash."""
    requests_seen = []

    def keep(sender, request, **kwargs) -> None:
        requests_seen.append(request)

    got_request_exception.connect(keep)
    try:
        with pytest.raises(RuntimeError) as raised:
            getattr(client, method)(url, data or {})
    finally:
        got_request_exception.disconnect(keep)
    reporter = ExceptionReporter(requests_seen[0], raised.type, raised.value, _from_the_handler(raised.tb))
    return html.unescape(reporter.get_traceback_html())


def _from_the_handler(tb: TracebackType | None) -> TracebackType | None:
    """The traceback as a server would have it: from Django's request handler down (not the test's frames)."""
    while tb is not None and "django/core/handlers/" not in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    return tb


def _crash(*args, **kwargs):
    raise RuntimeError("unexpected")


@pytest.mark.usefixtures("bksb")
def test_a_crash_while_creating_a_user_reports_no_secret(client, admin_user, monkeypatch):
    configure()
    learner = LearnerFactory(email="a@example.ac.uk")
    client.force_login(admin_user)
    monkeypatch.setattr(requests.Session, "request", _crash)
    url = reverse("bksb:create_user", args=[learner.pk])
    report = _report_of_crash(client, "post", url, {"username": "akhan1", "email": "a@example.ac.uk"})
    assert "unexpected" in report
    assert SECRET not in report
    assert PASSWORD not in report


def test_a_crash_while_testing_the_connection_reports_no_secret(client, admin_user, monkeypatch):
    configure()
    client.force_login(admin_user)
    monkeypatch.setattr(requests.Session, "request", _crash)
    report = _report_of_crash(client, "post", reverse("bksb:test_connection"))
    assert "unexpected" in report
    assert SECRET not in report


def test_a_crash_while_saving_settings_reports_no_typed_secret(client, admin_user, monkeypatch):
    BksbSettings.load()
    client.force_login(admin_user)
    monkeypatch.setattr(BksbSettings, "save", _crash)
    data = {"api_url": URL, "access_key_id": "k-1", "secret_access_key": "typed-S3cret", "default_password": "Typed-Pw"}
    report = _report_of_crash(client, "post", reverse("bksb:settings"), data)
    assert "unexpected" in report
    assert "k-1" in report  # the POST is in the report, its secrets are not
    assert "typed-S3cret" not in report
    assert "Typed-Pw" not in report
