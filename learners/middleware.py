"""Every page about one record answers 404 to staff whose caseload does not hold it (learners.caseload).

The product's record pages share one address shape, learners/<pk>/..., whichever app serves them, so
this one check covers the record, its BKSB tab, its downloads, exports, packs and actions, and any
page added there later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from learners.caseload import in_caseload

RECORD_ROUTE = "learners/<int:pk>/"


class CaseloadMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or not match.route.startswith(RECORD_ROUTE):
            return None
        if not in_caseload(request.user, int(kwargs["pk"])):
            raise Http404("No such learner.")
        return None
