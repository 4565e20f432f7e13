"""The guard every bksb page uses: hidden entirely when the deployment has no bksb module."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from permissions.access import AnyUser, bksb_available
from permissions.decorators import View, staff_required


def bksb_view(check: Callable[[AnyUser], bool]) -> Callable[[View], View]:
    """404 when BKSB_INTEGRATION_AVAILABLE is off; otherwise staff_required(check)."""

    def decorator(view: View) -> View:
        guarded = staff_required(check)(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not bksb_available():
                raise Http404("The bksb module is not available here.")
            return guarded(request, *args, **kwargs)

        return wrapped

    return decorator
