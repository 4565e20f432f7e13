"""Encryption at rest for bksb secrets (Secret Access Key, Default Password).

The Fernet key comes from BKSB_ENCRYPTION_KEY in the environment (generated
under ./var for the embedded default). Plain text never reaches the database.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


class SecretUnreadable(Exception):
    """The stored secret was encrypted with another key."""


def _fernet() -> Fernet:
    return Fernet(settings.BKSB_ENCRYPTION_KEY.encode())


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
