"""The one status address of all background work: /jobs/<work>/<id>/status/ (the URL `jobs:status`).

Every progress window polls it (includes/progress_status.html). The jobs app
answers for its jobs ("job"); an app above registers, from its ready(), each
other kind of work it runs (the bksb download runs: "run") with the view that
answers for it, guards included.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

StatusView = Callable[[HttpRequest, int], HttpResponseBase]

_VIEWS: dict[str, StatusView] = {}


def status_view_register(work: str, view: StatusView) -> None:
    _VIEWS[work] = view


def status_view(work: str) -> StatusView:
    """The view answering for this kind of work; 404 for a kind no installed app registers."""
    try:
        return _VIEWS[work]
    except KeyError:
        raise Http404("No such kind of work.") from None
