"""Who may use a local password, and who must use a second factor."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

PROVIDER_BACKEND = "signin.backends.ProviderBackend"
OPTED_IN_SESSION_KEY = "signin_second_factor"


def is_break_glass(username: str) -> bool:
    return username in settings.BREAK_GLASS_ACCOUNTS


def local_password_allowed(username: str) -> bool:
    """With LOCAL_PASSWORDS off, only break-glass accounts and learners' web users sign in with a password."""
    if settings.LOCAL_PASSWORDS or is_break_glass(username):
        return True
    # Learners' Hub web users keep their passwords: many have no college account.
    return User.objects.filter(username=username, web_user__isnull=False).exists()


def signed_in_with_provider(request: HttpRequest) -> bool:
    """The provider's own sign-in counts as the second factor (the college's MFA policy applies there)."""
    return bool(request.session.get(BACKEND_SESSION_KEY) == PROVIDER_BACKEND)


def has_second_factor(user: User | AnonymousUser) -> bool:
    """A confirmed authenticator app (recovery codes come with it and never stand alone)."""
    return bool(user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def second_factor_required(request: HttpRequest) -> bool:
    """Admins and holders of Manage BKSB Settings must use one; staff who set one up use it.

    Whether an account opted in is noted in its session at sign-in (and when it changes), so
    that other staff's pages cost no query for it. Learners' web users are never asked.
    """
    user = request.user
    if not user.is_authenticated or not (user.is_staff or user.is_superuser):
        return False
    return second_factor_mandatory(user) or bool(request.session.get(OPTED_IN_SESSION_KEY))


def second_factor_opted_in_note(*, request: HttpRequest, on: bool) -> None:
    request.session[OPTED_IN_SESSION_KEY] = on


def second_factor_mandatory(user: User | AnonymousUser) -> bool:
    """Whether the account may turn its second factor off (not when its rights require one)."""
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm("permissions.manage_bksb_settings")))
