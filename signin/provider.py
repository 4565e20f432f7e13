"""The configured OpenID Connect provider: is it on, and where are its endpoints (from discovery)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings

from signin.refusals import Refusal, SignInRefused

DISCOVERY_PATH = "/.well-known/openid-configuration"
# Providers rotate keys and endpoints rarely; an hour keeps sign-ins from re-reading discovery each time.
DISCOVERY_TTL_SECONDS = 3600


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


_cache: dict[str, tuple[float, ProviderConfig]] = {}
_lock = threading.Lock()


def provider_enabled() -> bool:
    """Sign-in with the provider is offered only when its issuer and this app's registration are all set."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET)


def provider_config() -> ProviderConfig:
    """The provider's endpoints from its discovery document, read at most once an hour per issuer."""
    issuer = settings.OIDC_ISSUER
    with _lock:
        cached = _cache.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    config = _discover(issuer)
    with _lock:
        _cache[issuer] = (time.monotonic(), config)
    return config


def _discover(issuer: str) -> ProviderConfig:
    try:
        response = requests.get(issuer + DISCOVERY_PATH, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        config = ProviderConfig(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=document.get("end_session_endpoint", ""),
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise SignInRefused(Refusal.UNREACHABLE, f"discovery at {issuer}: {type(error).__name__}") from error
    # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was read from.
    if config.issuer.rstrip("/") != issuer.rstrip("/"):
        raise SignInRefused(Refusal.ISSUER, f"discovery names {config.issuer}")
    return config
