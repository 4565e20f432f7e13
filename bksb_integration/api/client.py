"""The bksb Live 2 API over HTTP: one method per call of shared/bksb-api.md.

No Django and no models here. Every request goes through `BksbClient._request`,
the one place that throttles, retries and turns HTTP failures into `BksbError`s.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypedDict, TypeVar
from urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from .errors import (
    BksbEncodingError,
    BksbMalformedAnswer,
    BksbPermanentError,
    BksbRedirected,
    BksbSessionNotFound,
    BksbTransientError,
    BksbUserNotFound,
    describe,
    error_for_status,
    retry_after_seconds,
    safe_excerpt,
)
from .types import (
    AssessmentSession,
    AutoLoginLink,
    CreatedBksbUser,
    EoaItem,
    NewBksbUser,
    NoThrottle,
    PayloadError,
    ResultKind,
    ResultPage,
    Throttle,
    new_user_form,
    parse_assessment_sessions,
    parse_auto_login_link,
    parse_created_user,
    parse_eoa_items,
    parse_result_page,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "REFUSED_BEFORE_ACTING",
    "BksbClient",
    "ClientOptions",
    "Throttle",
    "basic_auth_can_carry",
]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://live2api.bksblive2.co.uk/"
MAX_PAGES = 10_000
# Asked to wait longer than this, give up at once and let the caller reschedule.
LONGEST_RETRY_AFTER = 300.0
# bksb refuses a request with these before acting on it: even createUser may be sent again.
REFUSED_BEFORE_ACTING = (429, 503)
# An answer that cannot be read is asked for again this many times.
MALFORMED_RETRIES = 2

_USER_NOT_FOUND = re.compile(r"A user with username '.*' not found", re.I | re.S)
_USER_ID_NOT_FOUND = re.compile(r"A user with id '.*' not found", re.I | re.S)
_SESSION_NOT_FOUND = re.compile(r"session '.*' not found", re.I | re.S)
V5_COURSE_SUBJECTS = ("ENG_NEW", "MATHS_NEW")
_NETWORK_ERRORS = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
_RESULT_CALLS: dict[ResultKind, str] = {"initial": "initialAssessment", "diagnostic": "diagnosticAssessment"}
_UNSENDABLE_KEY = (
    "the Access Key ID or Secret Access Key holds a character HTTP Basic authentication cannot carry "
    "(only plain ASCII letters, digits and symbols): enter the key again"
)
_UNSENDABLE = "the request could not be encoded for HTTP"

T = TypeVar("T")
Params = Mapping[str, str | int]


class ClientOptions(TypedDict, total=False):
    """BksbClient's tuning keywords, for callers that pass them on (`**options`)."""

    timeout: float
    max_retries: int
    backoff_base: float
    backoff_cap: float
    session: requests.Session | None
    throttle: Throttle | None
    sleep: Callable[[float], None]
    longest_wait: float


class BksbClient:
    """A thin client for one bksb tenant and API key.

    Answers are typed dataclasses; every failure is a `BksbError`. GETs are
    retried on transient failures with jittered exponential backoff that honours
    `Retry-After`; createUser is never retried, since it is not idempotent.
    """

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
        # A Retry-After longer than this is not waited for: the error is raised at once
        # (a web page cannot wait minutes; a background task can reschedule itself).
        self.longest_wait = longest_wait

    def __repr__(self) -> str:
        return f"BksbClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Release pooled connections (only of a session this client created)."""
        if self._owns_session:
            self._session.close()

    def username_exists(self, username: str) -> bool:
        """Whether bksb already has a user with this BKSB Username."""
        call = "isUsernameExists"

        def read(response: requests.Response) -> bool:
            answer = _scalar_text(response).lower()
            if answer not in ("true", "false"):
                raise self._malformed(call, response, "the answer is not true or false")
            return answer == "true"

        return self._get(call, "api/users/isUsernameExists", {"username": username}, read)

    def get_user_id(self, username: str) -> int:
        """The bksb user id of a BKSB Username; `BksbUserNotFound` if there is none."""
        call = "getUserId"

        def read(response: requests.Response) -> int:
            answer, status = _scalar_text(response), response.status_code
            if _USER_NOT_FOUND.search(answer):
                message = describe(call, status, "bksb has no user with that username")
                raise BksbUserNotFound(message, call=call, status=status, username=username)
            if status == 404:
                detail = self._excerpt(_body_text(response))
                raise error_for_status(call, status, detail)
            if not re.fullmatch(r"\d+", answer):
                raise self._malformed(call, response, "the answer is not a user id")
            return int(answer)

        return self._get(call, "api/users/user/getUserId", {"username": username}, read, passthrough=404)

    def create_user(self, user: NewBksbUser) -> CreatedBksbUser:
        """Create a bksb user; a refusal (name taken, bad field) raises `BksbRefused`.

        Retried only when bksb refused it before acting (429 or 503), after the
        wait bksb asks for. Otherwise never: after any other `BksbTransientError`
        (a timeout, a dropped connection) the user may or may not exist, so ask
        `get_user_id` before trying again.
        """
        call, redact = "createUser", (user.password,)
        response = self._request(
            call,
            "api/users/createUser",
            method="POST",
            data=new_user_form(user),
            retry=False,
            retry_refused=True,
            refusals=True,
            redact=redact,
        )
        return self._read(call, response, parse_created_user, redact)

    def get_auto_login_link(self, user_id: int) -> AutoLoginLink:
        """A fresh sign-on link for a bksb user: use it at once, never store it."""
        call = "getAutoLoginLink"
        return self._get(call, f"api/users/user/{int(user_id)}/{call}", None, self._reader(call, parse_auto_login_link))

    def initial_assessment_pages(
        self, user_id: int, *, stop_before: datetime | None = None, records_per_page: int = 100
    ) -> Iterator[ResultPage]:
        """Every page of a user's initial assessment results, newest first.

        With `stop_before` (aware), paging ends after the first page holding a
        result older than it, since later pages hold only older results.
        """
        return self._pages("initial", user_id, stop_before, records_per_page)

    def diagnostic_assessment_pages(
        self, user_id: int, *, stop_before: datetime | None = None, records_per_page: int = 100
    ) -> Iterator[ResultPage]:
        """Every page of a user's diagnostic results, as `initial_assessment_pages`."""
        return self._pages("diagnostic", user_id, stop_before, records_per_page)

    def _pages(self, kind: ResultKind, user_id: int, stop_before: datetime | None, size: int) -> Iterator[ResultPage]:
        if stop_before is not None and stop_before.utcoffset() is None:
            raise ValueError("stop_before must be an aware datetime")
        return self._walk_pages(kind, int(user_id), stop_before, size)

    def _walk_pages(
        self, kind: ResultKind, user_id: int, stop_before: datetime | None, size: int
    ) -> Iterator[ResultPage]:
        call = _RESULT_CALLS[kind]
        path = f"api/results/{call}/{user_id}/all"
        page, last_page = 1, 1
        while page <= last_page:
            params = {"page": page, "recordsPerPage": size}
            found = self._get(call, path, params, self._reader(call, _page_parser(kind, page)))
            yield found
            results = found.results
            if not results or (stop_before and any(r.result_date < stop_before for r in results)):
                return
            # Trust the latest answer: results arriving mid-way can add a page.
            last_page = min(found.total_pages, MAX_PAGES)
            if page == MAX_PAGES < found.total_pages:
                logger.warning("bksb %s: %d pages claimed, stopped at %d", call, found.total_pages, MAX_PAGES)
            page += 1

    def assessment_sessions_v5(self, user_id: int, course_subject: str) -> list[AssessmentSession]:
        """A user's V5 assessment sessions for ENG_NEW or MATHS_NEW, finished or not.

        `BksbUserNotFound` if bksb has no such user; an empty list if they have no session.
        """
        if course_subject not in V5_COURSE_SUBJECTS:
            raise ValueError(f"V5 sessions are listed for {' and '.join(V5_COURSE_SUBJECTS)} only")
        call = "getAssessmentSessionsForCourseV5"
        params: Params = {"courseSubject": course_subject, "userId": int(user_id)}
        read = self._not_found_reader(call, parse_assessment_sessions)
        return self._get(call, f"api/assessmentSessions/{call}", params, read, passthrough=404)

    def eoa_report_v5(self, user_id: int, session_id: int) -> list[EoaItem]:
        """The per-skill (end of assessment) breakdown of one finished V5 session.

        `BksbSessionNotFound` if bksb has no such session, `BksbUserNotFound` if no such user.
        """
        call = "GetEOAReportDataForAssessmentSessionV5"
        params: Params = {"sessionId": int(session_id), "userId": int(user_id)}
        read = self._not_found_reader(call, parse_eoa_items)
        return self._get(call, f"api/assessmentSessions/{call}", params, read, passthrough=404)

    def _not_found_reader(self, call: str, parse: Callable[[Any], T]) -> Callable[[requests.Response], T]:
        """Read an answer, telling an unknown user or session (404, or its message with 200) from the rest."""

        def read(response: requests.Response) -> T:
            status = response.status_code
            if status == 404 or response.headers.get("Content-Type", "").startswith("text/"):
                answer = _scalar_text(response)
                if _USER_ID_NOT_FOUND.search(answer):
                    raise BksbUserNotFound(
                        describe(call, status, "bksb has no user with that id"), call=call, status=status
                    )
                if _SESSION_NOT_FOUND.search(answer):
                    message = describe(call, status, "bksb has no such assessment session")
                    raise BksbSessionNotFound(message, call=call, status=status)
                if status == 404:
                    raise error_for_status(call, status, self._excerpt(_body_text(response)))
            return self._read(call, response, parse)

        return read

    def _get(
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
            response = self._request(call, path, params, passthrough=passthrough)
            try:
                return read(response)
            except BksbMalformedAnswer as exc:
                if attempt >= MALFORMED_RETRIES:
                    raise
                logger.warning("%s; asking again (%d of %d)", exc, attempt + 1, MALFORMED_RETRIES)
                self._sleep(min(self.backoff_cap, self.backoff_base * 2**attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _reader(self, call: str, parse: Callable[[Any], T]) -> Callable[[requests.Response], T]:
        return lambda response: self._read(call, response, parse)

    def _request(
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
                    self._throttle.penalise(ceiling if wait is None else wait)
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
                what = f"the request failed ({type(exc).__name__})"
                raise BksbPermanentError(describe(call, None, what), call=call) from exc
            what = "timed out" if isinstance(exc, requests.Timeout) else "no connection"
            message = describe(call, None, what)
            raise BksbTransientError(message, call=call, detail=what) from exc
        elapsed = (time.monotonic() - started) * 1000
        logger.debug("bksb %s: HTTP %s in %.0f ms", call, response.status_code, elapsed)
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
        shown = self._excerpt(location) if location else "no Location given"
        what = f"bksb answered with a redirect to {shown}, which is not followed: check the BKSB API url"
        return BksbRedirected(describe(call, status, what), call=call, status=status, detail=what, location=location)

    def _error(self, call: str, response: requests.Response, refusals: bool, redact: tuple[str, ...]) -> Exception:
        status = response.status_code
        wait = None
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        detail = self._excerpt(_body_text(response), redact)
        return error_for_status(call, status, detail, retry_after=wait, refusals=refusals)

    def _read(
        self, call: str, response: requests.Response, parse: Callable[[Any], T], redact: tuple[str, ...] = ()
    ) -> T:
        try:
            payload = json.loads(_body_text(response))
        except ValueError:
            raise self._malformed(call, response, "not JSON", redact) from None
        try:
            return parse(payload)
        except PayloadError as exc:
            raise self._malformed(call, response, str(exc), quote_body=False) from None

    def _malformed(
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
            detail += ": " + self._excerpt(_body_text(response), redact)
        status = response.status_code
        message = describe(call, status, detail)
        return BksbMalformedAnswer(message, call=call, status=status, detail=detail)

    def _excerpt(self, text: str, redact: tuple[str, ...] = ()) -> str:
        return safe_excerpt(text, redact=self._redactions + redact)


def _page_parser(kind: ResultKind, page: int) -> Callable[[Any], ResultPage]:
    return lambda payload: parse_result_page(kind, page, payload)


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


def _body_text(response: requests.Response) -> str:
    try:
        return response.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return response.text


def _scalar_text(response: requests.Response) -> str:
    """A bare answer (`true`, `2148453`, text) as text, with JSON quoting removed."""
    text = _body_text(response).strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip() if isinstance(value, str | int) else text
