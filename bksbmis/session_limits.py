"""Signed-in sessions end after SESSION_IDLE_TIMEOUT without a request, and SESSION_ABSOLUTE_LIFETIME after sign-in.

Colleges share computers: a session left open must not outlive its user's
attention, nor last for days. The session keeps when it began and when it was
last used; the last-used time is written at most once a minute, so browsing
does not write the session on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

STARTED = "_session_started"
SEEN = "_session_seen"
SEEN_RESOLUTION = 60
IDLE_ENDED = "You were signed out after {minutes} minutes without activity. Sign in again to carry on."
LIFETIME_ENDED = "You were signed out {hours} hours after signing in. Sign in again to carry on."


def session_limit_reached(*, started: float | None, seen: float | None, now: float) -> str:
    """Why the session must end now ('' when it may go on)."""
    if started is not None and now - started > settings.SESSION_ABSOLUTE_LIFETIME:
        return LIFETIME_ENDED.format(hours=round(settings.SESSION_ABSOLUTE_LIFETIME / 3600, 1)).replace(".0 ", " ")
    if seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT:
        return IDLE_ENDED.format(minutes=round(settings.SESSION_IDLE_TIMEOUT / 60))
    return ""


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        if request.user.is_authenticated:
            session = request.session
            reason = session_limit_reached(started=session.get(STARTED), seen=session.get(SEEN), now=now)
            if reason:
                logout(request)  # flushes the session; the view now sees an anonymous visitor
                messages.info(request, reason)
        response = self.get_response(request)
        # After the view, so that the request that signs in starts the clock.
        if request.user.is_authenticated:
            _touch(request.session, now)
        return response


def session_clock_start(sender: object, request: HttpRequest, user: object, **_: object) -> None:
    """user_logged_in: the session's clock starts when its user signs in.

    Set with the login's own session write, so that the requests after it
    write nothing more for a minute.
    """
    now = time.time()
    request.session[STARTED] = now
    request.session[SEEN] = now


def _touch(session: SessionBase, now: float) -> None:
    session.setdefault(STARTED, now)
    if now - session.get(SEEN, 0) >= SEEN_RESOLUTION:
        session[SEEN] = now
