"""Login protection (django-axes) and the Content-Security-Policy header (django-csp)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def _login(client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_bad_passwords_lock_the_account(client, tutor):
    for _ in range(4):
        assert _login(client, "tutor1", "wrong").status_code == 200
    assert _login(client, "tutor1", "wrong").status_code == 429
    locked = _login(client, "tutor1", "pw-tutor1")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_good_password_before_the_limit_logs_in(client, tutor):
    for _ in range(3):
        _login(client, "tutor1", "wrong")
    response = _login(client, "tutor1", "pw-tutor1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(tutor.pk)


@pytest.mark.parametrize("name", ["login", "bksb:summary", "permissions:edit", "learners:list"])
def test_pages_send_a_content_security_policy(client, admin_user, name):
    client.force_login(admin_user)
    response = client.get(reverse(name))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_my_pages_carry_no_inline_scripts_or_styles(client, admin_user):
    client.force_login(admin_user)
    for name in ["bksb:summary", "bksb:settings", "bksb:levels", "permissions:edit", "permissions:audit"]:
        text = client.get(reverse(name)).text
        assert "<script>" not in text, name
        assert "style=" not in text, name
        assert "onclick=" not in text, name


def test_one_users_bad_passwords_do_not_lock_others_on_the_same_address(client, tutor, manager):
    # A college behind NAT shares one address: only the guessed username is locked.
    for _ in range(5):
        _login(client, "tutor1", "wrong")
    assert _login(client, "tutor1", "pw-tutor1").status_code == 429
    response = _login(client, "manager1", "pw-manager1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)
