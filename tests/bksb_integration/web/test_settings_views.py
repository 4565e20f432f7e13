"""Integrations > bksb: who may see and change what, and that secrets never come back out."""

from __future__ import annotations

import base64

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from bksb_integration.models import BksbSettings
from tests.factories import LearnerFactory
from tests.fakes import PASSWORD, SECRET, URL
from tests.support import configure

pytestmark = pytest.mark.django_db

PROBE = URL + "api/users/isUsernameExists"

MANAGE_PAGES = [
    ("get", "bksb:settings"),
    ("post", "bksb:download_options"),
    ("post", "bksb:test_connection"),
    ("get", "bksb:levels"),
    ("get", "bksb:subjects"),
]
ALL_PAGES = [("get", "bksb:summary"), *MANAGE_PAGES]


def _form(**overrides) -> dict:
    data = {"integration_enabled": "on", "api_url": URL, "access_key_id": "key-id-1"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(("method", "name"), ALL_PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("method", "name"), ALL_PAGES)
def test_web_user_is_refused_everywhere(client, web_user, method, name):
    client.force_login(web_user.user)
    assert getattr(client, method)(reverse(name)).status_code == 403


@pytest.mark.parametrize(("method", "name"), ALL_PAGES)
def test_staff_without_the_module_is_refused(client, outsider, method, name):
    client.force_login(outsider)
    assert getattr(client, method)(reverse(name)).status_code == 403


@pytest.mark.parametrize(("method", "name"), MANAGE_PAGES)
def test_tutor_without_manage_bksb_settings_is_refused_settings_pages(client, tutor, method, name):
    client.force_login(tutor)
    assert getattr(client, method)(reverse(name)).status_code == 403


@pytest.mark.parametrize(("method", "name"), MANAGE_PAGES)
def test_manage_bksb_settings_without_the_module_is_refused(client, staff_with, method, name):
    client.force_login(staff_with("manage_bksb_settings"))
    assert getattr(client, method)(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["bksb:settings", "bksb:levels", "bksb:subjects"])
def test_staff_with_manage_bksb_settings_opens_settings_pages(client, staff_with, name):
    client.force_login(staff_with("bksb_module", "manage_bksb_settings"))
    assert client.get(reverse(name)).status_code == 200


def test_tutor_sees_the_summary_without_settings_buttons(client, tutor):
    configure()
    client.force_login(tutor)
    response = client.get(reverse("bksb:summary"))
    assert response.status_code == 200
    assert "Integration Status" in response.text
    assert "Databridge" in response.text
    assert "key-id-1" not in response.text  # where and as whom it connects is for those who set it
    assert "Access Key ID" not in response.text
    assert "Test connection" not in response.text
    assert reverse("bksb:settings") not in response.text


def test_summary_shows_the_status_to_an_admin(client, admin_user):
    configure(auto_enrol_courses=True)
    client.force_login(admin_user)
    text = client.get(reverse("bksb:summary")).text
    assert "Test connection" in text
    assert reverse("bksb:settings") in text
    assert "Not tested with the current url and keys" in text
    assert "key-id-1" in text
    assert SECRET not in text
    assert PASSWORD not in text


def test_menu_shows_integrations_only_to_those_who_see_bksb(client, tutor, staff_with):
    client.force_login(tutor)
    text = client.get(reverse("learners:list")).text
    assert "Integrations" in text
    assert reverse("bksb:summary") in text
    client.force_login(staff_with("view_learners"))
    text = client.get(reverse("learners:list")).text
    assert "Integrations" not in text
    assert reverse("bksb:summary") not in text


@pytest.mark.parametrize(("method", "name"), ALL_PAGES)
def test_module_switched_off_for_the_deployment_is_not_found(client, admin_user, settings, method, name):
    settings.BKSB_INTEGRATION_AVAILABLE = False
    client.force_login(admin_user)
    assert getattr(client, method)(reverse(name)).status_code == 404


def test_module_switched_off_hides_the_menu(client, admin_user, settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False
    client.force_login(admin_user)
    text = client.get(reverse("learners:list")).text
    assert "Integrations" not in text


def test_settings_form_has_the_labelled_fields_and_never_shows_secrets(client, admin_user):
    configure()
    client.force_login(admin_user)
    text = client.get(reverse("bksb:settings")).text
    for label in [
        "Integration Enabled",
        "BKSB API url",
        "Access Key ID",
        "Secret Access Key",
        "Default Password",
        "Auto Enrol on Courses",
    ]:
        assert f">{label}" in text or f"> {label}" in text, label
    assert "One is stored (never shown). Leave blank to keep it." in text
    assert "Clear the stored Secret Access Key" in text
    assert SECRET not in text
    assert PASSWORD not in text
    assert 'type="password"' in text


def test_empty_settings_show_defaults_and_not_set(client, admin_user):
    client.force_login(admin_user)
    text = client.get(reverse("bksb:settings")).text
    assert "https://live2api.bksblive2.co.uk/" in text
    assert "Leave blank to keep it" not in text
    assert "None is stored yet. What you type is stored, encrypted, when you save." in text
    assert "not set" not in text
    assert "Clear the stored" not in text


@responses.activate
def test_saving_sets_keys_encrypted_and_takes_effect_at_once(client, admin_user):
    responses.get(PROBE, body="false")
    client.force_login(admin_user)
    data = _form(secret_access_key=SECRET, default_password=PASSWORD, auto_enrol_courses="on")
    response = client.post(reverse("bksb:settings"), data)
    assert response.status_code == 302
    settings = BksbSettings.load()
    assert settings.integration_enabled
    assert settings.is_configured
    assert settings.secret_access_key == SECRET
    assert settings.default_password == PASSWORD
    assert settings.auto_enrol_courses
    assert SECRET not in settings.secret_access_key_encrypted
    page = client.get(response["Location"]).text
    assert "Settings saved and the connection tested. Connected: bksb accepted the key." in page
    assert SECRET not in page


@responses.activate
def test_blank_secret_keeps_the_stored_one(client, admin_user):
    configure()
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(access_key_id="key-id-2"))
    assert response.status_code == 302
    settings = BksbSettings.load()
    assert settings.access_key_id == "key-id-2"
    assert settings.secret_access_key == SECRET
    assert settings.default_password == PASSWORD


def test_clear_removes_a_secret(client, admin_user):
    configure()
    client.force_login(admin_user)
    client.post(reverse("bksb:settings"), _form(clear_default_password="on"))
    settings = BksbSettings.load()
    assert not settings.has_default_password
    assert settings.secret_access_key == SECRET


def test_new_value_and_clear_together_are_refused(client, admin_user):
    configure()
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(default_password="new-one", clear_default_password="on"))
    assert response.status_code == 400
    assert "not both" in response.text
    assert "new-one" not in response.text


def test_enabling_without_a_secret_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form())
    assert response.status_code == 400
    assert "Enter the Access Key ID and Secret Access Key to enable" in response.text
    assert not BksbSettings.load().integration_enabled


def test_a_refused_form_never_renders_the_typed_secrets(client, admin_user):
    client.force_login(admin_user)
    data = _form(api_url="ftp://example.test/", secret_access_key=SECRET, default_password=PASSWORD)
    response = client.post(reverse("bksb:settings"), data)
    assert response.status_code == 400
    assert SECRET not in response.text
    assert PASSWORD not in response.text
    # The boxes come back empty, and their hints say so rather than "none stored".
    assert response.text.count("Not saved, as the form has errors: type it again.") == 2
    assert "None is stored yet" not in response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://bksb.example.test/",
        "ftp://bksb.example.test/",
        "not a url",
        "https://user:pw@bksb.example.test/",
        "javascript:alert(1)",
        "",
    ],
)
def test_unsafe_api_urls_are_refused(client, admin_user, url):
    configure()
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(api_url=url))
    assert response.status_code == 400
    assert BksbSettings.load().api_url == URL


@pytest.mark.parametrize(
    ("url", "saved"),
    [
        ("https://live2api.bksblive2.com.au", "https://live2api.bksblive2.com.au/"),
        ("http://localhost:8765/", "http://localhost:8765/"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765/"),
        ("http://[::1]:8765/", "http://[::1]:8765/"),
    ],
)
@responses.activate
def test_https_and_local_http_api_urls_are_accepted(client, admin_user, url, saved):
    configure()
    client.force_login(admin_user)
    assert client.post(reverse("bksb:settings"), _form(api_url=url, secret_access_key="new-secret")).status_code == 302
    assert BksbSettings.load().api_url == saved


def test_plain_http_refusal_explains_why(client, admin_user):
    configure()
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(api_url="http://bksb.example.test/"))
    assert "must start with https://" in response.text


def test_download_options_are_saved(client, admin_user):
    client.force_login(admin_user)
    data = {
        "requests_per_second": "4.5",
        "eligible_learning_statuses": ["in_learning", "break_in_learning"],
        "eligible_end_within_days": "10",
        "run_history_days": "30",
        "rushed_initial_minutes": "10",
        "rushed_diagnostic_minutes": "15",
    }
    assert client.post(reverse("bksb:download_options"), data).status_code == 302
    settings = BksbSettings.load()
    assert settings.requests_per_second == 4.5
    assert settings.eligible_learning_statuses == ["in_learning", "break_in_learning"]
    assert settings.eligible_end_within_days == 10
    assert settings.include_applicants is False
    assert settings.run_history_days == 30


def test_download_options_are_validated(client, admin_user):
    client.force_login(admin_user)
    data = {"requests_per_second": "0", "eligible_end_within_days": "-1", "run_history_days": "0"}
    response = client.post(reverse("bksb:download_options"), data)
    assert response.status_code == 400
    assert BksbSettings.load().requests_per_second == 10.0


@responses.activate
def test_test_connection_without_js_redirects_with_the_outcome(client, admin_user):
    configure()
    responses.get(PROBE, body="false")
    client.force_login(admin_user)
    response = client.post(reverse("bksb:test_connection"), follow=True)
    assert response.text.count("Connected: bksb accepted the key.") == 1
    assert BksbSettings.load().last_test_ok is True


@responses.activate
def test_test_connection_with_htmx_swaps_the_status_panel(client, admin_user):
    configure()
    responses.get(PROBE, status=401, body="Unauthorized")
    client.force_login(admin_user)
    response = client.post(reverse("bksb:test_connection"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="bksb-status"')
    assert response.text.count("bksb refused the key") == 1
    assert '<span role="status">' in response.text
    assert SECRET not in response.text


def test_test_connection_is_post_only(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("bksb:test_connection")).status_code == 405


ELSEWHERE = "https://elsewhere.example.test/"


@responses.activate
def test_moving_the_url_without_the_secret_is_refused_and_the_secret_never_goes_there(client, admin_user):
    configure()
    responses.get(PROBE, body="false")
    elsewhere = responses.get(ELSEWHERE + "api/users/isUsernameExists", body="false")
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(api_url=ELSEWHERE))
    assert response.status_code == 400
    assert "Enter the Secret Access Key again when you change the BKSB API url" in response.text
    assert BksbSettings.load().api_url == URL
    client.post(reverse("bksb:test_connection"))
    assert elsewhere.call_count == 0
    assert all(call.request.url.startswith(URL) for call in responses.calls)


@pytest.mark.parametrize(
    "url", ["http://localhost:8765/", "https://bksb.example.test:8443/", "https://BKSB.example.test.evil/"]
)
def test_another_scheme_port_or_host_counts_as_moving(client, admin_user, url):
    configure()
    client.force_login(admin_user)
    assert client.post(reverse("bksb:settings"), _form(api_url=url)).status_code == 400
    assert BksbSettings.load().api_url == URL


@responses.activate
def test_a_new_path_on_the_same_server_keeps_the_secret(client, admin_user):
    configure()
    client.force_login(admin_user)
    assert client.post(reverse("bksb:settings"), _form(api_url="https://BKSB.example.test:443/v2")).status_code == 302
    settings = BksbSettings.load()
    assert settings.api_url == "https://BKSB.example.test:443/v2/"
    assert settings.secret_access_key == SECRET


@responses.activate
def test_moving_the_url_with_the_secret_entered_again_works(client, admin_user):
    configure()
    elsewhere = responses.get(ELSEWHERE + "api/users/isUsernameExists", body="false")
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(api_url=ELSEWHERE, secret_access_key="new-secret-2"))
    assert response.status_code == 302
    settings = BksbSettings.load()
    assert settings.api_url == ELSEWHERE
    assert settings.secret_access_key == "new-secret-2"
    assert elsewhere.call_count == 1  # Save tested the new url and keys
    page = client.post(reverse("bksb:test_connection"), follow=True).text
    assert "Connected: bksb accepted the key." in page
    assert elsewhere.call_count == 2
    scheme, credentials = elsewhere.calls[0].request.headers["Authorization"].split()
    assert (scheme, base64.b64decode(credentials).decode()) == ("Basic", "key-id-1:new-secret-2")


@responses.activate
def test_moving_the_url_clears_the_default_password_so_create_user_never_sends_it_there(client, admin_user):
    configure()
    learner = LearnerFactory(email="a@example.ac.uk")
    create = responses.post(ELSEWHERE + "api/users/createUser", json={"UserId": 1, "Username": "akhan1"})
    responses.get(ELSEWHERE + "api/users/isUsernameExists", body="false")
    client.force_login(admin_user)
    form = _form(api_url=ELSEWHERE, secret_access_key="new-secret-2")
    page = client.post(reverse("bksb:settings"), form, follow=True).text
    assert "the stored Default Password was cleared" in page
    settings = BksbSettings.load()
    assert not settings.has_default_password
    data = {"username": "akhan1", "email": "a@example.ac.uk", "auto_enrol_courses": "on"}
    page = client.post(reverse("bksb:create_user", args=[learner.pk]), data).text
    assert "No Default Password is set" in page
    assert create.call_count == 0
    assert all(PASSWORD not in str(call.request.body) for call in responses.calls)


def test_moving_the_url_keeps_a_default_password_entered_with_it(client, admin_user):
    configure()
    client.force_login(admin_user)
    form = _form(api_url=ELSEWHERE, secret_access_key="new-secret-2", default_password="New-Default-1")
    page = client.post(reverse("bksb:settings"), form, follow=True).text
    assert "cleared" not in page
    assert BksbSettings.load().default_password == "New-Default-1"


def test_the_settings_form_says_moving_clears_the_default_password(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("bksb:settings")).text
    assert "clears the stored Default Password" in page


@responses.activate
def test_test_connection_names_where_a_redirect_points_and_does_not_follow_it(client, admin_user):
    configure()
    responses.get(PROBE, status=307, headers={"Location": ELSEWHERE + "api/users/isUsernameExists?x=1"})
    elsewhere = responses.get(ELSEWHERE + "api/users/isUsernameExists", body="false")
    client.force_login(admin_user)
    page = client.post(reverse("bksb:test_connection"), follow=True).text
    assert f"redirect to {ELSEWHERE}api/users/isUsernameExists, which is not followed" in page
    assert elsewhere.call_count == 0


# -- Save tests the connection when the url or keys change ----------------------------------------


@responses.activate
def test_save_with_a_new_key_tests_it_and_says_how_bksb_answered(client, admin_user):
    configure()
    responses.get(PROBE, status=401, body="Unauthorized")
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(access_key_id="key-id-2"), follow=True)
    assert "Settings saved, but the connection test failed: bksb refused the key" in response.text
    assert "Settings saved.</li>" not in response.text
    settings = BksbSettings.load()
    assert settings.access_key_id == "key-id-2"
    assert settings.last_test_ok is False
    assert len(responses.calls) == 1


@responses.activate
def test_save_without_a_change_of_url_or_keys_tests_nothing(client, admin_user):
    configure()
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(auto_enrol_courses="on"), follow=True)
    assert "Settings saved." in response.text
    assert "connection" not in response.text.split('class="messages"')[1].split("</ul>")[0]
    assert len(responses.calls) == 0


@responses.activate
def test_a_new_key_clears_the_last_test_of_the_old_one(client, admin_user):
    configure(last_tested_at=timezone.now(), last_test_ok=True, last_test_outcome="Connected: bksb accepted the key.")
    client.force_login(admin_user)
    response = client.post(reverse("bksb:settings"), _form(integration_enabled=None, clear_secret_access_key="on"))
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "Settings saved. The connection was not tested: Enter the BKSB API url, Access Key ID and Secret" in page
    summary = client.get(reverse("bksb:summary")).text
    assert "Connected: bksb accepted the key." not in summary
    assert "Not tested with the current url and keys" in summary
    assert len(responses.calls) == 0
