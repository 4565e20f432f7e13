"""What staff read when a call to bksb failed: one wording for every screen, command and run.

Never a secret: the client's errors carry none, and the url shown is the one the admin entered.
"""

from __future__ import annotations

from bksb_integration.api.errors import (
    BksbAuthError,
    BksbEncodingError,
    BksbError,
    BksbMalformedAnswer,
    BksbNotFound,
    BksbRedirected,
    BksbTransientError,
)

NOTHING_CHANGED = "nothing was changed"


def bksb_error_words(exc: BksbError, *, url: str = "") -> str:
    """Plain words for a failed bksb call.

    With `url` (testing the connection), the words speak to the admin who entered the settings: a refused key
    says which setting to check, and a connection that could not be made names where it tried.
    """
    if isinstance(exc, BksbAuthError) and url:
        # The admin testing the connection: what to check in the settings they just entered.
        if exc.status == 403:
            return "The key is disabled or the permission for this call is not set to Allow in bksb."
        return "bksb refused the key: check the Access Key ID and Secret Access Key."
    if isinstance(exc, BksbAuthError):
        return str(exc)
    if isinstance(exc, BksbEncodingError):
        return f"Nothing was sent to bksb: {exc.detail}."
    if isinstance(exc, BksbRedirected):
        return f"{exc.detail[:1].upper()}{exc.detail[1:]}."
    if url and exc.status is None:
        return f"bksb could not be reached at {url}: {exc.detail or 'the request failed'}."
    if url:
        return f"bksb answered something unexpected (HTTP {exc.status})."
    if isinstance(exc, BksbTransientError):
        return f"bksb did not answer in time or is busy right now; {NOTHING_CHANGED}. Try again later."
    if isinstance(exc, BksbMalformedAnswer):
        return f"bksb answered something unexpected; {NOTHING_CHANGED}. Try again later."
    if isinstance(exc, BksbNotFound):
        return "bksb does not know this learner's bksb user any more; check the BKSB Username."
    status = f" (HTTP {exc.status})" if exc.status else ""
    return f"bksb refused the request{status}; {NOTHING_CHANGED}."
