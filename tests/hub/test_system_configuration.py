"""Settings > System configuration > Hub Online > Learner Login > Action Widget."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bksb_integration.models import BksbSettings

pytestmark = pytest.mark.django_db

URL = reverse("hub:system_configuration")
GOOD = "https://college.bksblive2.co.uk/"


def _form(**overrides):
    data = {"hub_bksb_url_enabled": "on", "hub_bksb_url": GOOD}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_sees_the_action_widget_part_of_learner_login(admin_client):
    response = admin_client.get(URL)

    assert response.status_code == 200
    for words in (b"Hub Online", b"Learner Login", b"Action Widget", b"BKSB URL", b"Single sign-on", b"Save"):
        assert words in response.content


def test_settings_menu_offers_system_configuration_to_admins_only(client, admin_user, tutor):
    client.force_login(admin_user)
    assert b"System configuration" in client.get(reverse("learners:list")).content
    client.force_login(tutor)
    assert b"System configuration" not in client.get(reverse("learners:list")).content


@pytest.mark.parametrize("persona", ["manager", "tutor", "outsider", "web_user"])
def test_everyone_but_an_admin_is_refused(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))

    assert client.get(URL).status_code == 403
    assert client.post(URL, _form()).status_code == 403
    assert not BksbSettings.load().hub_bksb_url_enabled


def test_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_refused_when_the_deployment_has_no_bksb_module(admin_client, settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False

    assert admin_client.get(URL).status_code == 403


def test_admin_turns_on_the_bksb_url_option(admin_client):
    response = admin_client.post(URL, _form(hub_bksb_sso="on", hub_show_levels="on"), follow=True)

    assert b"System configuration saved." in response.content
    saved = BksbSettings.load()
    assert (saved.hub_bksb_url_enabled, saved.hub_bksb_url, saved.hub_bksb_sso, saved.hub_show_levels) == (
        True,
        GOOD,
        True,
        True,
    )
    assert saved.history.count() >= 1


def test_save_writes_only_the_hub_fields(admin_client):
    settings = BksbSettings.load()
    settings.access_key_id = "AKID-kept"
    settings.save()

    with CaptureQueriesContext(connection) as queries:
        admin_client.post(URL, _form())

    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "bksb_settings" in q["sql"]]
    assert len(updates) == 1
    assert "hub_bksb_url" in updates[0]
    assert "access_key_id" not in updates[0]
    assert "integration_enabled" not in updates[0]
    assert BksbSettings.load().access_key_id == "AKID-kept"


def test_address_is_saved_without_surrounding_spaces(admin_client):
    admin_client.post(URL, _form(hub_bksb_url=f"  {GOOD}  "))

    assert BksbSettings.load().hub_bksb_url == GOOD


def test_http_and_other_providers_addresses_are_accepted(admin_client):
    admin_client.post(URL, _form(hub_bksb_url="http://10.0.0.5:8080/bksb?site=1"))

    assert BksbSettings.load().hub_bksb_url == "http://10.0.0.5:8080/bksb?site=1"


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://files.example.com/bksb",
        "file:///etc/passwd",
        "//evil.example.com/",
        "college.bksblive2.co.uk",
        "https://",
        "https://exa mple.com/",
        " https://x",
    ],
)
def test_address_that_is_not_an_http_web_address_is_refused(admin_client, address):
    response = admin_client.post(URL, _form(hub_bksb_url=address))

    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
    saved = BksbSettings.load()
    assert not saved.hub_bksb_url_enabled
    assert saved.hub_bksb_url == ""


def test_refusal_explains_which_addresses_are_allowed_and_shows_the_entry_back_escaped(admin_client):
    response = admin_client.post(URL, _form(hub_bksb_url="data:text/html,<script>alert(1)</script>"))

    assert b"starting with https://" in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    assert b"<script>alert(1)" not in response.content


def test_ticked_bksb_url_needs_an_address(admin_client):
    response = admin_client.post(URL, _form(hub_bksb_url=""))

    assert b"Enter the BKSB URL address" in response.content
    assert not BksbSettings.load().hub_bksb_url_enabled


def test_unticked_bksb_url_may_have_no_address(admin_client):
    settings = BksbSettings.load()
    settings.hub_bksb_url_enabled = True
    settings.hub_bksb_url = GOOD
    settings.save()

    admin_client.post(URL, _form(hub_bksb_url_enabled=None, hub_bksb_url=""))

    saved = BksbSettings.load()
    assert (saved.hub_bksb_url_enabled, saved.hub_bksb_url) == (False, "")


def test_single_sign_on_without_api_keys_is_flagged(admin_client):
    response = admin_client.post(URL, _form(hub_bksb_sso="on"), follow=True)

    assert b"Single sign-on needs the bksb integration switched on with its API keys" in response.content
