"""Writes of the sign-in log."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import User
from django.http import HttpRequest

from signin.models import SignInEvent, SignInMethod
from signin.policy import PROVIDER_BACKEND
from signin.refusals import SignInRefused


def sign_in_record(*, request: HttpRequest, user: User) -> SignInEvent:
    """Log a successful sign-in, by the method the session was signed in with."""
    session = getattr(request, "session", None)
    backend = session.get(BACKEND_SESSION_KEY) if session is not None else ""
    method = SignInMethod.PROVIDER if backend == PROVIDER_BACKEND else SignInMethod.PASSWORD
    return SignInEvent.objects.create(user=user, username=user.get_username(), method=method)


def sign_in_refusal_record(*, refusal: SignInRefused) -> SignInEvent:
    """Log a refused sign-in with the provider, with the reason (never the token)."""
    reason = refusal.refusal.name + (f": {refusal.detail}" if refusal.detail else "")
    return SignInEvent.objects.create(method=SignInMethod.PROVIDER, succeeded=False, reason=reason[:300])
