"""The Actions widget's BKSB button: shown only when all three conditions hold."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from tests.support import BKSB_SITE

pytestmark = pytest.mark.django_db

COMBINATIONS = list(itertools.product([True, False], repeat=3))


def _set_up(bksb_settings, learner, *, configured: bool, username: bool, url_option: bool) -> None:
    bksb_settings.integration_enabled = configured
    bksb_settings.hub_bksb_url_enabled = url_option
    bksb_settings.save()
    learner.bksb_user = username
    learner.save()


def _button_shown(response) -> bool:
    return b'href="/hub/bksb/"' in response.content and b">BKSB</a>" in response.content


@pytest.mark.parametrize(("configured", "username", "url_option"), COMBINATIONS)
def test_button_shows_only_when_bksb_configured_username_in_effect_and_url_option_on(
    hub_client, bksb_settings, web_user, configured, username, url_option
):
    _set_up(bksb_settings, web_user.learner, configured=configured, username=username, url_option=url_option)

    response = hub_client.get(reverse("hub:dashboard"))

    assert response.status_code == 200
    assert _button_shown(response) is (configured and username and url_option)


@pytest.mark.parametrize(("configured", "username", "url_option"), COMBINATIONS)
def test_button_address_goes_to_the_bksb_url_only_when_the_button_shows(
    hub_client, bksb_settings, web_user, configured, username, url_option
):
    _set_up(bksb_settings, web_user.learner, configured=configured, username=username, url_option=url_option)

    response = hub_client.get(reverse("hub:bksb"))

    if configured and username and url_option:
        assert response.status_code == 302
        assert response["Location"] == BKSB_SITE
    else:
        assert response.status_code == 404


def test_button_takes_a_typed_bksb_username_as_in_effect(hub_client, bksb_settings, bksb_learner):
    bksb_learner.bksb_username = "amira.k"
    bksb_learner.save()

    assert _button_shown(hub_client.get(reverse("hub:dashboard")))


def test_no_button_when_the_deployment_has_no_bksb_module(hub_client, bksb_settings, bksb_learner, settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False

    assert not _button_shown(hub_client.get(reverse("hub:dashboard")))
    assert hub_client.get(reverse("hub:bksb")).status_code == 404


def test_no_button_when_the_option_is_on_but_the_stored_address_is_not_a_web_address(
    hub_client, bksb_settings, bksb_learner
):
    # Only reachable by writing the table directly: the form refuses it.
    bksb_settings.hub_bksb_url = "javascript:alert(1)"
    bksb_settings.save()

    assert not _button_shown(hub_client.get(reverse("hub:dashboard")))
    assert hub_client.get(reverse("hub:bksb")).status_code == 404


def test_button_address_is_never_cached_and_takes_no_post(hub_client, bksb_settings, bksb_learner):
    assert hub_client.post(reverse("hub:bksb")).status_code == 405

    response = hub_client.get(reverse("hub:bksb"))

    assert response.status_code == 302
    assert response["Location"] == BKSB_SITE
    assert "no-store" in response["Cache-Control"]
