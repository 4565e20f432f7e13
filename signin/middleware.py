"""Accounts that must use a second factor reach nothing but its pages until they have used it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from signin.policy import has_second_factor, second_factor_required, signed_in_with_provider

# The pages an account may reach before its second factor: setting it up, using it, leaving, and the
# accessibility statement (public: it tells anyone how to ask for help).
OPEN_VIEWS = {"signin:factor_setup", "signin:factor_verify", "logout", "login", "accessibility"}


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: password sign-ins that need a second factor are sent to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # django-otp's OTPMiddleware adds it
            and not signed_in_with_provider(request)
            and not _open(request)
            and second_factor_required(request)
        ):
            target = "signin:factor_verify" if has_second_factor(user) else "signin:factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _open(request: HttpRequest) -> bool:
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        return resolve(request.path_info).view_name in OPEN_VIEWS
    except Resolver404:
        return False
