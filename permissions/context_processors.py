from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from permissions import access as checks


class Access:
    """Template-friendly view of permissions.access for one user: {{ access.can_see_bksb }}."""

    def __init__(self, user: checks.AnyUser) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        check = getattr(checks, name, None)
        if not name.startswith(("can_", "is_")) or not callable(check):
            raise AttributeError(name)
        return bool(check(self._user))


def access_flags(request: HttpRequest) -> dict[str, object]:
    return {"access": SimpleLazyObject(lambda: Access(request.user))}
