"""The HTTP under the bksb client: one keep-alive session, HTTP Basic authentication, the request budget,
retries with backoff and Retry-After, no redirects followed, and every failure turned into a `BksbError`.

No Django and no models here. `BksbClient` (client.py) says what each call sends and how its answer reads;
this module is how any call travels.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Required, TypedDict, TypeVar
from urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from .errors import (
    BksbEncodingError,
    BksbMalformedAnswer,
    BksbPermanentError,
    BksbRedirected,
    BksbTransientError,
    describe,
    error_for_status,
    retry_after_seconds,
    safe_excerpt,
)
from .types import NoObserver, NoThrottle, PayloadError, RequestObserver, Throttle

logger = logging.getLogger("bksb_integration.api.client")

# Asked to wait longer than this, give up at once and let the caller reschedule.
LONGEST_RETRY_AFTER = 300.0
# An answer that cannot be read is asked for again this many times.
MALFORMED_RETRIES = 2
# bksb refuses a request with these before acting on it: even createUser may be sent again.
REFUSED_BEFORE_ACTING = (429, 503)

_NETWORK_ERRORS = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
_UNSENDABLE_KEY = (
    "the Access Key ID or Secret Access Key holds a character HTTP Basic authentication cannot carry "
    "(only plain ASCII letters, digits and symbols): enter the key again"
)
_UNSENDABLE = "the request could not be encoded for HTTP"

T = TypeVar("T")
Params = Mapping[str, str | int]


class TransportOptions(TypedDict, total=False):
    """BksbTransport's keywords (and so BksbClient's), for callers that pass them on (`**options`)."""

    base_url: Required[str]
    access_key_id: Required[str]
    secret_access_key: Required[str]
    timeout: float
    max_retries: int
    backoff_base: float
    backoff_cap: float
    session: requests.Session | None
    throttle: Throttle | None
    sleep: Callable[[float], None]
    longest_wait: float
    observer: RequestObserver | None


class BksbTransport:
    """How every bksb call travels, for one tenant and API key (see the module docstring)."""

    def __init__(
        self,
        *,
        base_url: str,
        access_key_id: str,
        secret_access_key: str,
        timeout: float = 20.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        session: requests.Session | None = None,
        throttle: Throttle | None = None,
        sleep: Callable[[float], None] = time.sleep,
        longest_wait: float = LONGEST_RETRY_AFTER,
        observer: RequestObserver | None = None,
    ) -> None:
        if not re.match(r"https?://", base_url, re.I):
            raise ValueError("the bksb API url must start with https:// or http://")
        if not access_key_id or not secret_access_key:
            raise ValueError("the bksb Access Key ID and Secret Access Key are required")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._auth = (access_key_id, secret_access_key)
        self._auth_sendable = basic_auth_can_carry(access_key_id) and basic_auth_can_carry(secret_access_key)
        self._redactions = _secret_spellings(access_key_id, secret_access_key)
        self._owns_session = session is None
        self._session = session or pooled_session()
        self._throttle: Throttle = throttle or NoThrottle()
        self._sleep = sleep
        self._observer: RequestObserver = observer or NoObserver()
        # A Retry-After longer than this is not waited for: the error is raised at once
        # (a web page cannot wait minutes; a background task can reschedule itself).
        self.longest_wait = longest_wait

    def close(self) -> None:
        """Release pooled connections (only of a session this client created)."""
        if self._owns_session:
            self._session.close()

    def get(
        self,
        call: str,
        path: str,
        params: Params | None,
        read: Callable[[requests.Response], T],
        *,
        passthrough: int | None = None,
    ) -> T:
        """A GET and the reading of its answer.

        An answer that cannot be read (cut off, not JSON, the wrong shape) is
        asked for again, up to MALFORMED_RETRIES times, as a transient failure
        would be: one bad answer must not fail a learner.
        """
        for attempt in range(MALFORMED_RETRIES + 1):
            response = self.request(call, path, params, passthrough=passthrough)
            try:
                return read(response)
            except BksbMalformedAnswer as exc:
                if attempt >= MALFORMED_RETRIES:
                    raise
                logger.warning("%s; asking again (%d of %d)", exc, attempt + 1, MALFORMED_RETRIES)
                self._sleep(min(self.backoff_cap, self.backoff_base * 2**attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def reader(self, call: str, parse: Callable[[Any], T]) -> Callable[[requests.Response], T]:
        return lambda response: self.read(call, response, parse)

    def request(
        self,
        call: str,
        path: str,
        params: Params | None = None,
        *,
        method: str = "GET",
        data: list[tuple[str, str]] | None = None,
        retry: bool = True,
        retry_refused: bool = False,
        passthrough: int | None = None,
        refusals: bool = False,
        redact: tuple[str, ...] = (),
    ) -> requests.Response:
        """Send one call, retrying transient failures; raise a `BksbError` on failure.

        With `retry` False, only `retry_refused` answers are retried: a 429 or 503,
        which bksb gives before acting. A `passthrough` status is handed back to
        the caller to interpret.
        """
        attempts = 1 + (self.max_retries if retry or retry_refused else 0)
        for attempt in range(attempts):
            ceiling = min(self.backoff_cap, self.backoff_base * 2**attempt)
            try:
                response = self._send(call, method, path, params, data)
                if response.is_redirect or 300 <= response.status_code < 400:
                    raise self._redirected(call, response)
                if response.ok or response.status_code == passthrough:
                    return response
                raise self._error(call, response, refusals, redact)
            except BksbTransientError as exc:
                wait = exc.retry_after
                if exc.status == 429:
                    pause = ceiling if wait is None else wait
                    self._throttle.penalise(pause)
                    self._observer.rate_limited(call, pause)
                if not retry and exc.status not in REFUSED_BEFORE_ACTING:
                    raise
                if attempt + 1 >= attempts or (wait or 0) > self.longest_wait:
                    raise
                delay = max(random.uniform(0, ceiling), wait or 0)
                logger.warning("%s; retry %d of %d in %.1f s", exc, attempt + 1, attempts - 1, delay)
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(
        self, call: str, method: str, path: str, params: Params | None, data: list[tuple[str, str]] | None
    ) -> requests.Response:
        if not self._auth_sendable:
            raise self._unsendable(call)
        self._throttle.acquire()
        started = time.monotonic()
        try:
            response = self._transmit(call, method, path, params, data)
        except requests.RequestException as exc:
            elapsed = (time.monotonic() - started) * 1000
            logger.debug("bksb %s: %s after %.0f ms", call, type(exc).__name__, elapsed)
            if not isinstance(exc, _NETWORK_ERRORS):
                self._observer.answered(call, "failed")
                what = f"the request failed ({type(exc).__name__})"
                raise BksbPermanentError(describe(call, None, what), call=call) from exc
            timed_out = isinstance(exc, requests.Timeout)
            self._observer.answered(call, "timeout" if timed_out else "no_connection")
            what = "timed out" if timed_out else "no connection"
            message = describe(call, None, what)
            raise BksbTransientError(message, call=call, detail=what) from exc
        elapsed = (time.monotonic() - started) * 1000
        logger.debug("bksb %s: HTTP %s in %.0f ms", call, response.status_code, elapsed)
        self._observer.answered(call, "ok" if response.ok else str(response.status_code))
        return response

    def _transmit(
        self, call: str, method: str, path: str, params: Params | None, data: list[tuple[str, str]] | None
    ) -> requests.Response:
        url = urljoin(self.base_url, path)
        try:
            if params:
                # %20 rather than "+", and nothing left unencoded: user names are free text.
                url += "?" + urlencode(params, quote_via=quote)
            headers = {"Accept": "application/json"}
            # Never follow a redirect: a 307 would send the createUser body (and the key) on to
            # wherever it points. A redirect is an error for _request to report.
            return self._session.request(
                method, url, data=data, headers=headers, auth=self._auth, timeout=self.timeout, allow_redirects=False
            )
        except UnicodeError:
            pass
        # Raised here, outside the handler, so that the UnicodeError (which holds the
        # text it could not encode, perhaps the secret) is neither its cause nor its context.
        raise self._unsendable(call)

    def _unsendable(self, call: str) -> BksbEncodingError:
        what = _UNSENDABLE if self._auth_sendable else _UNSENDABLE_KEY
        return BksbEncodingError(describe(call, None, what), call=call, detail=what)

    def _redirected(self, call: str, response: requests.Response) -> BksbRedirected:
        status = response.status_code
        location = _where_to(response.url or self.base_url, response.headers.get("Location", ""))
        shown = self.excerpt(location) if location else "no Location given"
        what = f"bksb answered with a redirect to {shown}, which is not followed: check the BKSB API url"
        return BksbRedirected(describe(call, status, what), call=call, status=status, detail=what, location=location)

    def _error(self, call: str, response: requests.Response, refusals: bool, redact: tuple[str, ...]) -> Exception:
        status = response.status_code
        wait = None
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        detail = self.excerpt(body_text(response), redact)
        return error_for_status(call, status, detail, retry_after=wait, refusals=refusals)

    def read(
        self, call: str, response: requests.Response, parse: Callable[[Any], T], redact: tuple[str, ...] = ()
    ) -> T:
        try:
            payload = json.loads(body_text(response))
        except ValueError:
            raise self.malformed(call, response, "not JSON", redact) from None
        try:
            return parse(payload)
        except PayloadError as exc:
            raise self.malformed(call, response, str(exc), quote_body=False) from None

    def malformed(
        self,
        call: str,
        response: requests.Response,
        what: str,
        redact: tuple[str, ...] = (),
        *,
        quote_body: bool = True,
    ) -> BksbMalformedAnswer:
        detail = f"malformed answer: {what}"
        if quote_body:
            detail += ": " + self.excerpt(body_text(response), redact)
        status = response.status_code
        message = describe(call, status, detail)
        return BksbMalformedAnswer(message, call=call, status=status, detail=detail)

    def excerpt(self, text: str, redact: tuple[str, ...] = ()) -> str:
        return safe_excerpt(text, redact=self._redactions + redact)


def pooled_session() -> requests.Session:
    """A keep-alive session for bksb calls (share one per thread to reuse connections)."""
    session = requests.Session()
    # Without proxy settings there is nothing to look up in the environment on
    # every request (a measurable cost at hundreds of requests a second).
    session.trust_env = bool(urllib.request.getproxies())
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=20)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _where_to(request_url: str, location: str) -> str:
    """A redirect's Location made absolute, without user info, query or fragment (they may hold tokens)."""
    if not location.strip():
        return ""
    try:
        parts = urlsplit(urljoin(request_url, location.strip()))
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "an address that is not valid"
    host = f"[{host}]" if ":" in host else host
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def basic_auth_can_carry(text: str) -> bool:
    """Whether HTTP Basic authentication carries this Access Key ID or secret unchanged.

    requests encodes credentials as latin-1 and fails on anything beyond it, and a
    server may read latin-1 bytes as UTF-8: only printable ASCII is the same everywhere.
    """
    return all(" " <= ch <= "~" for ch in text)


def _secret_spellings(access_key_id: str, secret: str) -> tuple[str, ...]:
    """The secret as an answer might echo it: plain, escaped, or in a Basic token."""
    raw = secret.encode("utf-8", "surrogatepass")
    escaped = json.dumps(secret)[1:-1]
    spellings = [secret, quote(raw, safe=""), quote_plus(raw), escaped]
    for encoding in ("latin-1", "utf-8"):  # requests sends latin-1; a server may echo either
        try:
            pair = f"{access_key_id}:{secret}".encode(encoding)
        except UnicodeError:
            continue
        spellings.append(base64.b64encode(pair).decode("ascii"))
    return tuple(spellings)


def body_text(response: requests.Response) -> str:
    try:
        return response.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return response.text
