"""Encryption at rest for bksb secrets (Secret Access Key, Default Password).

The Fernet key comes from BKSB_ENCRYPTION_KEY in the environment (generated
under ./var for the embedded default). Plain text never reaches the database.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

NOT_SET = "BKSB_ENCRYPTION_KEY is not set."
NOT_A_KEY = "BKSB_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."


class SecretUnreadable(Exception):
    """The stored secret was encrypted with another key."""


def _fernet() -> Fernet:
    return Fernet(settings.BKSB_ENCRYPTION_KEY.encode())


@sensitive_variables()
def key_problem() -> str:
    """Why BKSB_ENCRYPTION_KEY cannot encrypt or decrypt anything, or '' (never the key itself)."""
    key = getattr(settings, "BKSB_ENCRYPTION_KEY", "") or ""
    if not key.strip():
        return NOT_SET
    try:
        _fernet()
    except ValueError:
        return NOT_A_KEY
    return ""


@sensitive_variables()
def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


@sensitive_variables()
def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the stored secret cannot be read with the current BKSB_ENCRYPTION_KEY") from exc


def readable(token: str) -> bool:
    """Whether the current key decrypts this stored token (an empty one always reads)."""
    try:
        decrypt(token)
    except SecretUnreadable:
        return False
    return True
