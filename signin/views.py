"""Signing in and out: the login page, and the round trip to the OpenID Connect provider."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from signin.forms import SignInForm
from signin.policy import signed_in_with_provider
from signin.provider import provider_config, provider_enabled
from signin.refusals import Refusal, SignInRefused
from signin.services import sign_in_refusal_record


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            provider_enabled=provider_enabled(),
            provider_name=settings.OIDC_PROVIDER_NAME,
            local_passwords=settings.LOCAL_PASSWORDS,
            **kwargs,
        )


class ProviderStartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge (kept in the session)."""

    def __init__(self, **kwargs: Any) -> None:
        # Not the parent's: it reads a fixed endpoint from settings, and this one comes from discovery.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:
        return provider_config().authorization_endpoint

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.OIDC_RP_CLIENT_ID)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not provider_enabled():
            raise Http404
        try:
            response: HttpResponse = super().get(request)  # type: ignore[no-untyped-call]
        except SignInRefused as refusal:
            return _refused(request, refusal)
        return response


class ProviderCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: the code is exchanged and the ID token checked (signin.backends), or a clear refusal."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not provider_enabled():
            raise Http404
        try:
            response: HttpResponse = super().get(request)  # type: ignore[no-untyped-call]
        except SignInRefused as refusal:
            return _refused(request, refusal)
        except SuspiciousOperation:
            # mozilla-django-oidc's own check: the state is not one this browser's session started.
            return _refused(request, SignInRefused(Refusal.STATE))
        return response

    def login_failure(self) -> HttpResponse:
        error = self.request.GET.get("error_description") or self.request.GET.get("error") or ""
        refusal = Refusal.PROVIDER_ERROR if error else Refusal.STATE
        return _refused(self.request, SignInRefused(refusal, error[:200]))


def _refused(request: HttpRequest, refusal: SignInRefused) -> HttpResponse:
    sign_in_refusal_record(refusal=refusal)
    context = {
        "message": refusal.refusal.value,
        "provider_said": refusal.detail if refusal.refusal is Refusal.PROVIDER_ERROR else "",
        "provider_name": settings.OIDC_PROVIDER_NAME,
    }
    return render(request, "signin/refused.html", context, status=403)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session here; after a provider sign-in, offer to sign out there too."""
    provider_logout = _provider_logout_url(request) if signed_in_with_provider(request) else ""
    auth.logout(request)
    if not provider_logout:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    context = {"provider_logout_url": provider_logout, "provider_name": settings.OIDC_PROVIDER_NAME}
    return render(request, "signin/signed_out.html", context)


def _provider_logout_url(request: HttpRequest) -> str:
    try:
        endpoint = provider_config().end_session_endpoint
    except SignInRefused:
        return ""
    if not endpoint:
        return ""
    # client_id rather than id_token_hint (RP-Initiated Logout 1.0, 2): no token ever goes in an address.
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    return f"{endpoint}?{urlencode(params)}"
