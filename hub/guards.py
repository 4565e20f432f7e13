"""The guard every Hub page uses: a learner's web user, and nobody else."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from permissions.access import is_web_user
from permissions.decorators import View


def web_user_required(view: View) -> View:
    """Send anonymous visitors to log in; refuse (403) anyone who is not a web user."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_active or not is_web_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
