"""With local passwords off, staff sign in with the provider; break-glass accounts and learners keep passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def passwords_off(settings, oidc_provider):
    settings.LOCAL_PASSWORDS = False
    settings.BREAK_GLASS_ACCOUNTS = ["admin1"]


def _post(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": "pw-" + username})


def test_a_staff_password_is_refused_with_a_clear_message(client, tutor, passwords_off):
    response = _post(client, "tutor1")

    assert response.status_code == 200
    assert "Local passwords are turned off for staff accounts. Use “Sign in with Test College”." in response.text
    assert client.get(reverse("learners:list")).status_code == 302


def test_no_other_way_in_with_a_password(rf, tutor, admin_user, passwords_off):
    """Not the admin site's login nor any other form: the backend itself refuses."""
    assert authenticate(rf.post("/admin/login/"), username="tutor1", password="pw-tutor1") is None
    assert authenticate(rf.post("/admin/login/"), username="admin1", password="pw-admin1") == admin_user


def test_a_break_glass_account_still_signs_in_with_its_password(client, admin_user, passwords_off):
    assert _post(client, "admin1").status_code == 302
    assert client.get(reverse("learners:list")).status_code == 200


def test_learners_keep_their_hub_passwords(client, web_user, passwords_off):
    web_user.user.set_password("pw-learner")
    web_user.user.save()

    assert client.post(reverse("login"), {"username": "demo.learner0001", "password": "pw-learner"}).status_code == 302


def test_the_login_page_offers_the_provider_first(client, passwords_off):
    page = client.get(reverse("login")).text

    assert "Sign in with Test College" in page
    assert "<details" in page
    assert "Break-glass account or Hub web user" in page
