"""The guard every Hub page uses: a learner's web user, and nobody else."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from permissions.access import is_web_user
from permissions.decorators import View


class WebUserRequest(HttpRequest):
    """The request a view behind web_user_required gets: a learner's signed-in web user."""

    user: User


def web_user_required(view: View) -> View:
    """Send anonymous visitors to log in; refuse (403) anyone who is not a web user."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_active or not is_web_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
