"""Why a sign-in with the provider was refused, in words a person can act on."""

from __future__ import annotations

from enum import Enum


class Refusal(Enum):
    AUDIENCE = "The sign-in token was issued for another application: its audience is not this app's client ID."
    SIGNATURE = "The sign-in token's signature does not match the keys the provider publishes."
    EXPIRED = "The sign-in token has expired. Please sign in again."
    NONCE = (
        "The sign-in token does not belong to this sign-in (its nonce does not match the one this browser sent): "
        "it may have been replayed."
    )
    ISSUER = "The sign-in token was issued by someone other than the configured provider."
    INVALID = "The sign-in token could not be read as a valid ID token."
    STATE = "This answer from the provider does not match a sign-in started in this browser. Please start again."
    MISSING_CLAIM = "The sign-in token does not say who you are (no subject or username claim)."
    ACCOUNT_TAKEN = (
        "An account with your username already exists here and is not linked to your college account. "
        "Ask an administrator."
    )
    INACTIVE = "Your account here is switched off. Ask an administrator."
    PROVIDER_ERROR = "The provider did not sign you in."
    UNREACHABLE = "The sign-in provider could not be reached, or its answer could not be read. Please try again later."


class SignInRefused(Exception):
    """A sign-in with the provider refused for a reason the person is shown."""

    def __init__(self, refusal: Refusal, detail: str = "") -> None:
        super().__init__(refusal.name)
        self.refusal = refusal
        self.detail = detail
