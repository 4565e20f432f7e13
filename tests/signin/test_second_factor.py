"""Admins and holders of Manage BKSB Settings use a second factor; other staff may; losing it has a way back."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from signin.models import SecondFactorChange
from signin.second_factor import app_secret
from tests.signin.otp import code_for, code_for_secret

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

LEARNERS = reverse("learners:list")
SETUP = reverse("signin:factor_setup")
VERIFY = reverse("signin:factor_verify")


def _log_in(client, user) -> None:
    assert (
        client.post(reverse("login"), {"username": user.username, "password": "pw-" + user.username}).status_code == 302
    )


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def test_an_admin_without_a_second_factor_reaches_only_its_setup(client, admin_user):
    _log_in(client, admin_user)

    for page in (LEARNERS, reverse("permissions:audit"), reverse("signin:sign_ins"), "/admin/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP + "?next=")
    assert "Set up your second factor" in client.get(SETUP).text


def test_setting_up_the_app_shows_recovery_codes_and_opens_every_page(client, admin_user, time_machine):
    time_machine.move_to(timezone.now())
    _log_in(client, admin_user)
    page = client.get(SETUP + "?next=" + LEARNERS)
    secret = page.context["secret"]
    assert page.context["qr_code"].startswith("data:image/svg+xml")

    wrong = client.post(SETUP, {"code": "000000" if code_for_secret(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.text
    assert "Too many wrong codes" in client.post(SETUP, {"code": code_for_secret(secret)}).text  # throttled
    time_machine.shift(2)

    done = client.post(SETUP, {"code": code_for_secret(secret), "next": LEARNERS})
    assert "save your recovery codes" in done.text
    assert len(done.context["codes"]) == 10
    assert client.get(LEARNERS).status_code == 200
    assert TOTPDevice.objects.get(user=admin_user).confirmed
    assert SecondFactorChange.objects.get().action == "set_up"


def test_an_admin_with_a_second_factor_is_asked_for_its_code_and_then_gets_in(client, admin_user):
    device = _device(admin_user)
    _log_in(client, admin_user)

    assert client.get(LEARNERS)["Location"].startswith(VERIFY)
    refused = client.post(VERIFY, {"code": "12345"})
    assert refused.status_code == 400
    assert "That code is not right" in refused.text
    assert client.get(LEARNERS).status_code == 302

    assert client.post(VERIFY, {"code": code_for(device), "next": LEARNERS})["Location"] == LEARNERS
    assert client.get(LEARNERS).status_code == 200


def test_a_recovery_code_gets_in_once(client, admin_user):
    _device(admin_user)
    recovery = StaticDevice.objects.create(user=admin_user, name="Recovery codes", confirmed=True)
    recovery.token_set.create(token="abcd2345")
    _log_in(client, admin_user)

    assert client.post(VERIFY, {"code": "ABCD 2345"}).status_code == 302
    assert client.get(LEARNERS).status_code == 200
    client.post(reverse("logout"))

    _log_in(client, admin_user)
    assert client.post(VERIFY, {"code": "abcd2345"}).status_code == 400


def test_holders_of_manage_bksb_settings_must_use_one(client, staff_with):
    keeper = staff_with("bksb_module", "manage_bksb_settings", username="keeper")
    _log_in(client, keeper)

    assert client.get(LEARNERS)["Location"].startswith(SETUP)


def test_other_staff_need_none_and_may_opt_in(client, tutor, time_machine):
    time_machine.move_to(timezone.now())
    _log_in(client, tutor)
    assert client.get(LEARNERS).status_code == 200
    secret = client.get(SETUP).context["secret"]
    client.post(SETUP, {"code": code_for_secret(secret)})
    client.post(reverse("logout"))

    _log_in(client, tutor)

    assert client.get(LEARNERS)["Location"].startswith(VERIFY)
    time_machine.shift(30)  # the next code: each code is used once
    assert client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=tutor))}).status_code == 302
    assert client.get(LEARNERS).status_code == 200
    assert client.post(reverse("signin:factor_off")).status_code == 302
    assert not TOTPDevice.objects.filter(user=tutor).exists()


def test_an_admin_cannot_turn_its_second_factor_off(client, admin_user):
    device = _device(admin_user)
    _log_in(client, admin_user)
    client.post(VERIFY, {"code": code_for(device)})

    assert client.post(reverse("signin:factor_off")).status_code == 403
    assert "cannot be turned off" in client.get(SETUP).text


def test_an_admin_resets_a_lost_second_factor_and_the_audit_trail_says_so(client, admin_user, manager, staff_with):
    keeper = staff_with("bksb_module", "manage_bksb_settings", username="keeper")
    _device(keeper)
    device = _device(admin_user)
    _log_in(client, admin_user)
    client.post(VERIFY, {"code": code_for(device)})

    page = client.get(reverse("signin:sign_ins"))
    assert "Reset second factor of keeper" in page.text
    response = client.post(reverse("signin:factor_reset", args=[keeper.pk]), follow=True)

    assert "Second factor of keeper reset. It must set up a new one at its next sign-in." in response.text
    assert not TOTPDevice.objects.filter(user=keeper).exists()
    trail = client.get(reverse("permissions:audit"), {"source": "second_factors"}).text
    assert "Second factor reset by an admin" in trail
    assert "Account keeper" in trail


def test_only_admins_reset_second_factors(client, manager, admin_user):
    client.force_login(manager)
    assert client.post(reverse("signin:factor_reset", args=[admin_user.pk])).status_code == 403


def test_lockout_still_applies_to_admins(client, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": admin_user.username, "password": "wrong"})

    response = client.post(reverse("login"), {"username": admin_user.username, "password": "pw-admin1"})

    assert "Too many failed log-ins" in response.text
    assert client.get(LEARNERS).status_code == 302


def test_the_app_secret_is_shown_in_groups_of_four(admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="x", confirmed=False, key="00" * 20)
    assert app_secret(device) == "AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA"
