"""Reads for Tools > Sign-ins: staff accounts with how they sign in, and the latest sign-ins."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Exists, Max, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from signin.models import ExternalIdentity, SignInEvent

LATEST_SIGN_INS = 100


def staff_accounts() -> QuerySet[User]:
    """Every staff account with: has a second factor, has a college account, last provider sign-in."""
    return (
        User.objects.filter(is_staff=True)
        .annotate(
            has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            has_college_account=Exists(ExternalIdentity.objects.filter(user=OuterRef("pk"))),
            last_provider_sign_in=Max("external_identities__last_sign_in_at"),
        )
        .order_by("username")
    )


def latest_sign_ins() -> QuerySet[SignInEvent]:
    return SignInEvent.objects.all()[:LATEST_SIGN_INS]
