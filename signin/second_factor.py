"""The second factor: an authenticator app (TOTP) with recovery codes, through django-otp."""

from __future__ import annotations

import base64

import segno
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from signin.models import SecondFactorAction, SecondFactorChange

RECOVERY_CODES = 10
APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
TOTP_DIGITS = 6


def pending_app_device(*, user: User) -> TOTPDevice:
    """The not yet confirmed authenticator app being set up: the same secret until it is confirmed."""
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def app_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def app_qr_code(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code, an SVG data URI (the page's CSP allows data: images)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


@transaction.atomic
def second_factor_confirm(*, request: HttpRequest, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Turn the app on when the code it shows is right: returns the new recovery codes, or None."""
    if not device.verify_token(_digits(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    codes = _recovery_codes_replace(user=user)
    otp_login(request, device)
    SecondFactorChange.objects.create(
        user=user, username=user.get_username(), changed_by=user, action=SecondFactorAction.SET_UP
    )
    return codes


def app_throttled(device: TOTPDevice | None) -> bool:
    """django-otp waits longer after each wrong code: until then even the right one is refused."""
    return device is not None and not device.verify_is_allowed()[0]


def app_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_verify(*, request: HttpRequest, user: User, code: str) -> str | None:
    """Check a code from the app, or a recovery code (used once): returns which it was, or None."""
    cleaned = "".join(code.split()).replace("-", "").lower()
    # Each code is checked by the one device it can belong to (django-otp throttles each device's guesses).
    app_code = len(cleaned) == TOTP_DIGITS and cleaned.isdigit()
    devices = (TOTPDevice if app_code else StaticDevice).objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for device in devices.select_for_update():
            if device.verify_token(cleaned):
                otp_login(request, device)
                return APP_DEVICE if app_code else RECOVERY_DEVICE
    return None


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    codes = _recovery_codes_replace(user=user)
    SecondFactorChange.objects.create(
        user=user, username=user.get_username(), changed_by=user, action=SecondFactorAction.NEW_RECOVERY_CODES
    )
    return codes


@transaction.atomic
def second_factor_remove(*, user: User, actor: User) -> bool:
    """Remove every device (app and recovery codes): the owner turning it off, or an admin resetting it."""
    deleted = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    action = SecondFactorAction.TURNED_OFF if actor.pk == user.pk else SecondFactorAction.RESET
    SecondFactorChange.objects.create(user=user, username=user.get_username(), changed_by=actor, action=action)
    return bool(deleted)


def _recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())
