"""Single sign-on from the BKSB button: a fresh auto-login link at click time, or the plain URL."""

from __future__ import annotations

import logging

import pytest
import requests
from django.urls import reverse

from bksb_integration.models import BksbLink
from hub.services import NO_ANSWER, NOT_AVAILABLE
from tests.support import BKSB_SITE

pytestmark = pytest.mark.django_db

API = "https://bksb.test/"
USER_ID = 2100001
AUTO_LOGIN = f"{API}api/users/user/{USER_ID}/getAutoLoginLink"
GET_USER_ID = f"{API}api/users/user/getUserId"
LINK = "https://college.bksblive2.co.uk/autologin/tok-9f8e7d6c5b4a"
ANSWER = {"Link": LINK, "Expiry": "2026-11-22T15:04:05"}


@pytest.fixture
def sso_settings(bksb_settings):
    bksb_settings.api_url = API
    bksb_settings.access_key_id = "AKID-hub"
    bksb_settings.secret_access_key = "hub-secret"
    bksb_settings.hub_bksb_sso = True
    bksb_settings.save()
    return bksb_settings


@pytest.fixture
def linked_learner(bksb_learner):
    BksbLink.objects.create(learner=bksb_learner, bksb_user_id=USER_ID, resolved_username="demo.learner0001")
    return bksb_learner


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr("bksb_integration.api.transport.time.sleep", lambda _seconds: None)


def _click(client):
    return client.get(reverse("hub:bksb"))


def _assert_fallback(response, reason: str) -> None:
    assert response.status_code == 200
    assert reason.encode() in response.content.replace(b"&#x27;", b"'")
    assert f'href="{BKSB_SITE}"'.encode() in response.content
    assert f'content="4;url={BKSB_SITE}"'.encode() in response.content


def test_click_signs_the_learner_in_with_a_fresh_link(hub_client, sso_settings, linked_learner, bksb_http, caplog):
    bksb_http.get(AUTO_LOGIN, json=ANSWER)
    caplog.set_level(logging.DEBUG)

    response = _click(hub_client)

    assert response.status_code == 302
    assert response["Location"] == LINK
    assert "no-store" in response["Cache-Control"]
    assert [call.request.url for call in bksb_http.calls] == [AUTO_LOGIN]
    assert "sso ok" in caplog.text
    assert "tok-9f8e7d6c5b4a" not in caplog.text


def test_link_is_made_at_every_click_and_never_stored(hub_client, sso_settings, linked_learner, bksb_http):
    bksb_http.get(AUTO_LOGIN, json=ANSWER)

    _click(hub_client)
    _click(hub_client)

    assert len(bksb_http.calls) == 2
    stored = [*BksbLink.objects.values(), *BksbLink.history.values()]
    assert "tok-9f8e7d6c5b4a" not in repr(stored)


def test_bksb_down_sends_the_learner_to_the_sign_in_page(hub_client, sso_settings, linked_learner, bksb_http, caplog):
    bksb_http.get(AUTO_LOGIN, status=503, body="Service Unavailable")

    response = _click(hub_client)

    _assert_fallback(response, NO_ANSWER)
    assert len(bksb_http.calls) == 2  # one retry, then give up: the learner is waiting
    assert "sso failed" in caplog.text


def test_bksb_timing_out_sends_the_learner_to_the_sign_in_page(hub_client, sso_settings, linked_learner, bksb_http):
    bksb_http.get(AUTO_LOGIN, body=requests.exceptions.ReadTimeout("read timed out"))

    _assert_fallback(_click(hub_client), NO_ANSWER)


def test_bksb_refusing_the_key_sends_the_learner_to_the_sign_in_page(
    hub_client, sso_settings, linked_learner, bksb_http
):
    bksb_http.get(AUTO_LOGIN, status=401, body="Authorization has been denied for this request.")

    _assert_fallback(_click(hub_client), NO_ANSWER)


def test_a_link_that_is_not_a_web_address_is_never_followed(hub_client, sso_settings, linked_learner, bksb_http):
    bksb_http.get(AUTO_LOGIN, json={"Link": "javascript:alert(1)", "Expiry": "2026-11-22T15:04:05"})

    response = _click(hub_client)

    _assert_fallback(response, NO_ANSWER)
    assert b"javascript:" not in response.content


def test_learner_with_no_bksb_user_id_is_resolved_once_and_remembered(
    hub_client, sso_settings, bksb_learner, bksb_http
):
    bksb_http.get(GET_USER_ID, body=str(USER_ID))
    bksb_http.get(AUTO_LOGIN, json=ANSWER)

    first, second = _click(hub_client), _click(hub_client)

    assert (first["Location"], second["Location"]) == (LINK, LINK)
    assert [call.request.url.split("?")[0] for call in bksb_http.calls] == [GET_USER_ID, AUTO_LOGIN, AUTO_LOGIN]
    assert "username=demo.learner0001" in bksb_http.calls[0].request.url
    link = BksbLink.objects.get(learner=bksb_learner)
    assert (link.bksb_user_id, link.resolved_username) == (USER_ID, "demo.learner0001")


def test_learner_unknown_to_bksb_goes_to_the_sign_in_page(hub_client, sso_settings, bksb_learner, bksb_http):
    bksb_http.get(GET_USER_ID, body="A user with username 'demo.learner0001' not found.", status=404)

    _assert_fallback(_click(hub_client), NOT_AVAILABLE)
    assert not BksbLink.objects.filter(learner=bksb_learner, bksb_user_id__isnull=False).exists()


def test_changed_bksb_username_is_resolved_again_not_signed_in_as_the_old_user(
    hub_client, sso_settings, linked_learner, bksb_http
):
    linked_learner.bksb_username = "amira.k"
    linked_learner.save()
    bksb_http.get(GET_USER_ID, body="2100077")
    new_link = f"{API}api/users/user/2100077/getAutoLoginLink"
    bksb_http.get(new_link, json=ANSWER)

    _click(hub_client)

    assert [call.request.url.split("?")[0] for call in bksb_http.calls] == [GET_USER_ID, new_link]


def test_single_sign_on_without_api_keys_uses_the_plain_address(hub_client, bksb_settings, bksb_learner, bksb_http):
    bksb_settings.hub_bksb_sso = True
    bksb_settings.save()

    _assert_fallback(_click(hub_client), NOT_AVAILABLE)
    assert not bksb_http.calls


def test_single_sign_on_off_never_calls_bksb(hub_client, sso_settings, linked_learner, bksb_http):
    sso_settings.hub_bksb_sso = False
    sso_settings.save()

    response = _click(hub_client)

    assert response["Location"] == BKSB_SITE
    assert not bksb_http.calls
