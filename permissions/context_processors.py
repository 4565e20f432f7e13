from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from permissions import access as checks


class Access:
    """Template-friendly view of permissions.access for one user: {{ access.can_see_bksb }}.

    Each answer is worked out once per request (a list asks the same question for every row)."""

    def __init__(self, user: checks.AnyUser) -> None:
        self._user = user
        self._answers: dict[str, bool] = {}

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._answers:
            check = getattr(checks, name, None)
            if not name.startswith(("can_", "is_")) or not callable(check):
                raise AttributeError(name)
            self._answers[name] = bool(check(self._user))
        return self._answers[name]


def access_flags(request: HttpRequest) -> dict[str, object]:
    return {"access": SimpleLazyObject(lambda: Access(request.user))}
