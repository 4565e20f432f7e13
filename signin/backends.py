"""Authentication backends: local passwords (with the break-glass rule) and the OpenID Connect provider.

The provider backend is mozilla-django-oidc's, with its endpoints read from discovery and the
ID token checked in full by PyJWT: signature against the provider's published keys (JWKS),
issuer, audience, expiry and issue time, and the nonce this browser's sign-in sent.
"""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from signin.accounts import account_for_claims
from signin.policy import local_password_allowed
from signin.provider import provider_config, provider_enabled
from signin.refusals import Refusal, SignInRefused

REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]


class LocalPasswordBackend(ModelBackend):
    """Django's password check, refused for staff accounts while LOCAL_PASSWORDS is off (break-glass excepted)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is not None and not local_password_allowed(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ProviderBackend(OIDCAuthenticationBackend):
    """Sign-in with the college's OpenID Connect provider (authorization code flow with PKCE)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Not the parent's: it reads fixed endpoints from settings, and these come from discovery.
        self.UserModel = get_user_model()
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return provider_config().token_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return provider_config().jwks_uri

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.OIDC_RP_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(settings.OIDC_RP_CLIENT_SECRET)

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        # Only the callback view passes a nonce: a password form never reaches the provider.
        if request is None or username is not None or "nonce" not in kwargs or not provider_enabled():
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)  # type: ignore[no-untyped-call]
        except requests.RequestException as error:
            raise SignInRefused(Refusal.UNREACHABLE, type(error).__name__) from error
        return user

    def retrieve_matching_jwk(self, token: str) -> Any:
        try:
            return super().retrieve_matching_jwk(token)  # type: ignore[no-untyped-call]
        except (SuspiciousOperation, KeyError, jwt.PyJWTError) as error:
            raise SignInRefused(Refusal.SIGNATURE, "no published key matches the token's key id") from error

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = self._verify_jws(token, self.retrieve_matching_jwk(token))
        nonce = kwargs.get("nonce")
        if not nonce or payload.get("nonce") != nonce:
            raise SignInRefused(Refusal.NONCE)
        return payload

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
        except jwt.PyJWTError as error:
            raise SignInRefused(Refusal.INVALID, "unreadable header") from error
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SignInRefused(Refusal.SIGNATURE, f"signed with {algorithm}, expected {self.OIDC_RP_SIGN_ALGO}")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider_config().issuer,
                leeway=settings.OIDC_LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise SignInRefused(Refusal.EXPIRED) from error
        except jwt.InvalidAudienceError as error:
            raise SignInRefused(Refusal.AUDIENCE) from error
        except jwt.InvalidIssuerError as error:
            raise SignInRefused(Refusal.ISSUER) from error
        except jwt.InvalidSignatureError as error:
            raise SignInRefused(Refusal.SIGNATURE) from error
        except jwt.PyJWTError as error:
            raise SignInRefused(Refusal.INVALID, type(error).__name__) from error
        # OpenID Connect Core 3.1.3.7: with several audiences, the authorized party must be this app.
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SignInRefused(Refusal.AUDIENCE, "azp is not this app")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # The verified ID token carries what sign-in needs (Entra sends groups only there).
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        return account_for_claims(claims=payload, issuer=provider_config().issuer)

    def get_user(self, user_id: int) -> User | None:
        # Django's own: an account switched off here stops working at once.
        return super(OIDCAuthenticationBackend, self).get_user(user_id)
