"""View guards built on permissions.access."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from permissions.access import AnyUser, is_staff_user

View = Callable[..., HttpResponseBase]


class StaffRequest(HttpRequest):
    """The request a view behind staff_required gets: a signed-in staff account.

    Only an annotation (requests stay Django's own); htmx is set by django-htmx's middleware.
    """

    user: User
    htmx: HtmxDetails


def staff_required(check: Callable[[AnyUser], bool] = is_staff_user) -> Callable[[View], View]:
    """Send anonymous visitors to log in; refuse (403) anyone else failing check.

    A learner's web user always fails: staff checks start with is_staff_user.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_user(request.user) or not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
