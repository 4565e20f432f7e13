"""Everything the bksb client raises, and how error text is made safe to show.

Messages name the bksb call and the HTTP status and carry at most a short,
cleaned excerpt of bksb's answer. They never carry the secret, the
Authorization header, a password or the URL asked for (a redirect's message
names where bksb pointed, without its query).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

EXCERPT_LIMIT = 200
REDACTED = "[redacted]"

_CREDENTIAL_TOKEN = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{4,}")


def safe_excerpt(text: str, *, redact: Iterable[str] = (), limit: int = EXCERPT_LIMIT) -> str:
    """Return `text` cut to `limit` characters, on one line, with secrets removed.

    Control and format characters (newlines, bidi overrides) become spaces so an
    answer cannot forge log lines; every value in `redact` and anything that looks
    like an Authorization credential is replaced before the text is cut, so a cut
    can never leave part of a secret behind.
    """
    secrets = sorted((s for s in redact if s), key=len, reverse=True)
    text = _redact(text, secrets)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)
    text = _redact(" ".join(text.split()), secrets)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _CREDENTIAL_TOKEN.sub(rf"\1 {REDACTED}", text)


def describe(call: str, status: int | None, what: str) -> str:
    """The usual message shape: `bksb getUserId failed (HTTP 400): <what>`."""
    where = f"HTTP {status}" if status is not None else "no answer"
    return f"bksb {call} failed ({where}): {what}" if what else f"bksb {call} failed ({where})"


class BksbError(Exception):
    """Base of every error the bksb client raises.

    `call` is the bksb call's name (e.g. "getUserId"), `status` the HTTP status
    when bksb answered at all, `detail` a short safe excerpt of what it said.
    """

    def __init__(self, message: str, *, call: str = "", status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.call = call
        self.status = status
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword arguments do not survive the default pickling (Celery pickles errors).
        return (self.__class__, (self.message,), self.__dict__)


class BksbAuthError(BksbError):
    """bksb refused the API key (401) or the key may not make this call (403)."""

    @classmethod
    def for_status(cls, *, call: str, status: int, detail: str = "") -> BksbAuthError:
        if status == 403:
            advice = (
                "the key is disabled, or its permission for this call is not set to Allow: "
                "check the key's Status and Permissions in bksb"
            )
        else:
            advice = "check the Access Key ID, Secret Access Key and the key's permissions in bksb"
        message = f"bksb refused the key (HTTP {status}): {advice} (call {call})"
        return cls(message, call=call, status=status, detail=detail)


class BksbNotFound(BksbError):
    """bksb answered 404 for something other than an unknown username."""


class BksbUserNotFound(BksbNotFound):
    """bksb has no user with this username."""

    def __init__(
        self, message: str, *, call: str = "", status: int | None = None, detail: str = "", username: str = ""
    ) -> None:
        super().__init__(message, call=call, status=status, detail=detail)
        self.username = username


class BksbSessionNotFound(BksbNotFound):
    """bksb has no assessment session with this SessionId for the user."""


class BksbBudgetBusy(BksbError):
    """Nothing was sent: the shared request budget would keep a caller who may not wait long (a page) waiting
    longer than it may (bksb asked everyone to pause, or the budget is taken). Try again shortly."""


class BksbTransientError(BksbError):
    """Worth trying again later: timeouts, connection errors, 429 and most 5xx.

    `retry_after` is the wait bksb asked for in seconds, when it asked.
    """

    def __init__(
        self,
        message: str,
        *,
        call: str = "",
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, call=call, status=status, detail=detail)
        self.retry_after = retry_after


class BksbPermanentError(BksbError):
    """Trying again will not help: a 4xx refusal or an answer we cannot read."""


class BksbMalformedAnswer(BksbPermanentError):
    """bksb answered success with something that is not the documented shape."""


class BksbEncodingError(BksbPermanentError):
    """The request could not be put into HTTP (a credential HTTP Basic authentication cannot carry)."""


class BksbRedirected(BksbPermanentError):
    """bksb answered with a redirect (3xx), which the client never follows.

    `location` is where it pointed (without query or fragment), so that staff can
    see whether the BKSB API url needs changing.
    """

    def __init__(
        self, message: str, *, call: str = "", status: int | None = None, detail: str = "", location: str = ""
    ) -> None:
        super().__init__(message, call=call, status=status, detail=detail)
        self.location = location


class BksbRefused(BksbPermanentError):
    """bksb refused to create a user (name taken, bad field); `detail` is its text."""


def error_for_status(
    call: str, status: int, detail: str, *, retry_after: float | None = None, refusals: bool = False
) -> BksbError:
    """The error for an HTTP failure status; `detail` must already be safe.

    With `refusals`, a 4xx other than auth, 408 and 429 is bksb refusing the
    request's content (createUser), not a fault in the client.
    """
    message = describe(call, status, detail)
    if status in (401, 403):
        return BksbAuthError.for_status(call=call, status=status, detail=detail)
    if status in (408, 429) or (status >= 500 and status != 501):
        return BksbTransientError(message, call=call, status=status, detail=detail, retry_after=retry_after)
    if refusals and 400 <= status < 500:
        message = f"bksb refused {call} (HTTP {status}): {detail}"
        return BksbRefused(message, call=call, status=status, detail=detail)
    if status == 404:
        return BksbNotFound(message, call=call, status=status, detail=detail)
    return BksbPermanentError(message, call=call, status=status, detail=detail)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) in seconds from now."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None
