"""Error reports to Sentry when SENTRY_DSN is set, with personal data and secrets scrubbed.

The SDK sends no personal data of its own accord (send_default_pii off, no
request bodies, no local variables), and scrub_event removes what could still
carry some: cookies, auth headers, query strings, the user beyond their id,
email addresses in messages, and every log breadcrumb's data.
"""

from __future__ import annotations

import re
from typing import Any, cast

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event, Hint

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
FILTERED = "[Filtered]"
# Headers kept on a request; the rest (cookies, authorization, forwarded addresses) are dropped.
SAFE_HEADERS = {"content-type", "content-length", "accept", "user-agent", "hx-request"}


def sentry_init(*, dsn: str, environment: str, release: str = "") -> None:
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment, release=release))


def sentry_options(*, dsn: str, environment: str, release: str = "") -> dict[str, Any]:
    return {
        "dsn": dsn,
        "environment": environment,
        "release": release or None,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "include_local_variables": False,  # a frame's variables may hold a learner's record or a key
        "max_request_body_size": "never",
        "before_send": scrub_event,
        "before_breadcrumb": scrub_breadcrumb,
    }


def scrub_event(event: Event, hint: Hint | None = None) -> Event:
    """The event with personal data and secrets taken out (Sentry's before_send)."""
    data = cast(dict[str, Any], event)  # edited as plain JSON: the TypedDict does not allow deleting keys
    request = data.get("request")
    if isinstance(request, dict):
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS}
        for name in ("cookies", "data", "query_string", "env"):
            request.pop(name, None)
    user = data.get("user")
    if isinstance(user, dict):
        data["user"] = {"id": user["id"]} if "id" in user else {}
    data.pop("extra", None)
    if isinstance(data.get("logentry"), dict):
        entry = data["logentry"]
        entry["message"] = _scrub_text(entry.get("message"))
        entry.pop("params", None)
    if "message" in data:
        data["message"] = _scrub_text(data["message"])
    for exception in (data.get("exception") or {}).get("values") or []:
        exception["value"] = _scrub_text(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    breadcrumbs = data.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        scrub_breadcrumb(crumb)
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: Hint | None = None) -> dict[str, Any]:
    crumb["message"] = _scrub_text(crumb.get("message"))
    crumb.pop("data", None)
    return crumb


def _scrub_text(text: Any) -> Any:
    return EMAIL.sub(FILTERED, text) if isinstance(text, str) else text
