"""The Django admin: superusers only, and the bksb settings there are look-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bksb_integration.models import BksbSettings

pytestmark = pytest.mark.django_db

URL = "https://bksb.example.test/"
SECRET = "admin-test-secret-1"


@pytest.fixture
def stored() -> BksbSettings:
    settings = BksbSettings.load()
    settings.api_url = URL
    settings.access_key_id = "key-1"
    settings.secret_access_key = SECRET
    settings.save()
    return settings


def _change_url(settings: BksbSettings) -> str:
    return reverse("admin:bksb_integration_bksbsettings_change", args=[settings.pk])


def test_superuser_opens_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_are_sent_away_from_the_admin(client, tutor):
    client.force_login(tutor)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_with_model_permissions_still_cannot_edit_the_settings(client, staff_with, stored):
    user = staff_with("bksb_module", "manage_bksb_settings")
    user.user_permissions.add(*Permission.objects.filter(content_type__model="bksbsettings"))
    client.force_login(user)
    response = client.post(_change_url(stored), {"api_url": "https://attacker.example.test/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert BksbSettings.load().api_url == URL


def test_superuser_sees_the_settings_read_only_without_secrets(client, admin_user, stored):
    client.force_login(admin_user)
    response = client.get(_change_url(stored))
    assert response.status_code == 200
    assert URL in response.text
    assert 'name="api_url"' not in response.text
    assert SECRET not in response.text
    assert stored.secret_access_key_encrypted not in response.text
    assert "Integrations &gt; bksb" in response.text or "Integrations > bksb" in response.text


def test_superuser_cannot_change_the_url_through_the_admin(client, admin_user, stored):
    client.force_login(admin_user)
    client.post(_change_url(stored), {"api_url": "https://attacker.example.test/", "integration_enabled": "on"})
    assert BksbSettings.load().api_url == URL


def test_reverting_to_an_old_url_through_history_is_refused(client, admin_user, stored):
    old = stored.history.earliest()
    stored.api_url = "https://elsewhere.example.test/"
    stored.save()
    client.force_login(admin_user)
    revert = reverse("admin:bksb_integration_bksbsettings_simple_history", args=[stored.pk, old.history_id])
    assert client.get(revert).status_code == 200
    assert client.post(revert, {}).status_code == 403
    assert BksbSettings.load().api_url == "https://elsewhere.example.test/"
