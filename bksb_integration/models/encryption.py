"""Encryption at rest for bksb secrets (Secret Access Key, Default Password).

The Fernet key comes from BKSB_ENCRYPTION_KEY in the environment (generated
under ./var for the embedded default). Plain text never reaches the database.
While a key is being rotated, the keys in BKSB_ENCRYPTION_OLD_KEYS still
decrypt; only BKSB_ENCRYPTION_KEY ever encrypts.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

NOT_SET = "BKSB_ENCRYPTION_KEY is not set."
NOT_A_KEY = "BKSB_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."
OLD_NOT_A_KEY = (
    "BKSB_ENCRYPTION_OLD_KEYS holds a value that is not a valid Fernet key (32 url-safe base64-encoded bytes)."
)


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key that is neither current nor listed as old."""


def _current() -> Fernet:
    return Fernet(settings.BKSB_ENCRYPTION_KEY.encode())


def _fernet() -> MultiFernet:
    """Encrypts with BKSB_ENCRYPTION_KEY; decrypts with it or any old key."""
    old = [Fernet(key.strip().encode()) for key in _old_keys()]
    return MultiFernet([_current(), *old])


def _old_keys() -> list[str]:
    return [key for key in getattr(settings, "BKSB_ENCRYPTION_OLD_KEYS", []) if key.strip()]


@sensitive_variables()
def key_problem() -> str:
    """Why the encryption keys cannot be used, or '' (never a key itself)."""
    key = getattr(settings, "BKSB_ENCRYPTION_KEY", "") or ""
    if not key.strip():
        return NOT_SET
    try:
        _current()
    except ValueError:
        return NOT_A_KEY
    try:
        _fernet()
    except ValueError:
        return OLD_NOT_A_KEY
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
        raise SecretUnreadable("the stored secret cannot be read with the configured encryption keys") from exc


def readable(token: str) -> bool:
    """Whether the configured keys decrypt this stored token (an empty one always reads)."""
    try:
        decrypt(token)
    except SecretUnreadable:
        return False
    return True


def is_current(token: str) -> bool:
    """Whether BKSB_ENCRYPTION_KEY alone decrypts this stored token."""
    try:
        _current().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The token re-encrypted with BKSB_ENCRYPTION_KEY; SecretUnreadable if no configured key reads it."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the stored secret cannot be read with the configured encryption keys") from exc
