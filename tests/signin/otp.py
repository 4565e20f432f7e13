"""Codes an authenticator app would show, computed with django-otp's own TOTP."""

from __future__ import annotations

import base64

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def code_for_secret(secret: str) -> str:
    """The code for the secret as the setup page shows it (base32 in groups of four)."""
    key = "".join(secret.split())
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key)):06d}"
