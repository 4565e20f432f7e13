"""The bksb Live 2 API over HTTP: one method per call of shared/bksb-api.md.

No Django and no models here. Each method says what its call sends and how its answer
reads; every request travels through transport.py, the one place that throttles, retries
and turns HTTP failures into `BksbError`s.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

import requests

from .errors import BksbSessionNotFound, BksbUserNotFound, describe, error_for_status
from .transport import BksbTransport, Params, TransportOptions, basic_auth_can_carry, body_text, pooled_session
from .types import (
    AssessmentSession,
    AutoLoginLink,
    CreatedBksbUser,
    EoaItem,
    NewBksbUser,
    RequestObserver,
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

__all__ = ["DEFAULT_BASE_URL", "BksbClient", "ClientOptions", "Throttle", "basic_auth_can_carry", "pooled_session"]

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://live2api.bksblive2.co.uk/"
MAX_PAGES = 10_000

_USER_NOT_FOUND = re.compile(r"A user with username '.*' not found", re.I | re.S)
_USER_ID_NOT_FOUND = re.compile(r"A user with id '.*' not found", re.I | re.S)
_SESSION_NOT_FOUND = re.compile(r"session '.*' not found", re.I | re.S)
V5_COURSE_SUBJECTS = ("ENG_NEW", "MATHS_NEW")
_RESULT_CALLS: dict[ResultKind, str] = {"initial": "initialAssessment", "diagnostic": "diagnosticAssessment"}

T = TypeVar("T")


class ClientOptions(TypedDict, total=False):
    """BksbClient's tuning keywords, for callers that pass them on (`**options`): the transport's, less the key."""

    timeout: float
    max_retries: int
    backoff_base: float
    backoff_cap: float
    session: requests.Session | None
    throttle: Throttle | None
    sleep: Callable[[float], None]
    longest_wait: float
    observer: RequestObserver | None


class BksbClient:
    """A thin client for one bksb tenant and API key.

    Answers are typed dataclasses; every failure is a `BksbError`. GETs are
    retried on transient failures with jittered exponential backoff that honours
    `Retry-After`; createUser is never retried, since it is not idempotent.
    """

    def __init__(self, **options: Unpack[TransportOptions]) -> None:
        self._http = BksbTransport(**options)
        self.base_url = self._http.base_url

    def __repr__(self) -> str:
        return f"BksbClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Release pooled connections (only of a session this client created)."""
        self._http.close()

    @property
    def timeout(self) -> float:
        return self._http.timeout

    @property
    def max_retries(self) -> int:
        return self._http.max_retries

    @property
    def backoff_cap(self) -> float:
        return self._http.backoff_cap

    @property
    def longest_wait(self) -> float:
        return self._http.longest_wait

    def username_exists(self, username: str) -> bool:
        """Whether bksb already has a user with this BKSB Username."""
        call = "isUsernameExists"

        def read(response: requests.Response) -> bool:
            answer = _scalar_text(response).lower()
            if answer not in ("true", "false"):
                raise self._http.malformed(call, response, "the answer is not true or false")
            return answer == "true"

        return self._http.get(call, "api/users/isUsernameExists", {"username": username}, read)

    def get_user_id(self, username: str) -> int:
        """The bksb user id of a BKSB Username; `BksbUserNotFound` if there is none."""
        call = "getUserId"

        def read(response: requests.Response) -> int:
            answer, status = _scalar_text(response), response.status_code
            if _USER_NOT_FOUND.search(answer):
                message = describe(call, status, "bksb has no user with that username")
                raise BksbUserNotFound(message, call=call, status=status, username=username)
            if status == 404:
                detail = self._http.excerpt(body_text(response))
                raise error_for_status(call, status, detail)
            if not re.fullmatch(r"\d+", answer):
                raise self._http.malformed(call, response, "the answer is not a user id")
            return int(answer)

        return self._http.get(call, "api/users/user/getUserId", {"username": username}, read, passthrough=404)

    def create_user(self, user: NewBksbUser) -> CreatedBksbUser:
        """Create a bksb user; a refusal (name taken, bad field) raises `BksbRefused`.

        Retried only when bksb refused it before acting (429 or 503), after the
        wait bksb asks for. Otherwise never: after any other `BksbTransientError`
        (a timeout, a dropped connection) the user may or may not exist, so ask
        `get_user_id` before trying again.
        """
        call, redact = "createUser", (user.password,)
        response = self._http.request(
            call,
            "api/users/createUser",
            method="POST",
            data=new_user_form(user),
            retry=False,
            retry_refused=True,
            refusals=True,
            redact=redact,
        )
        return self._http.read(call, response, parse_created_user, redact)

    def get_auto_login_link(self, user_id: int) -> AutoLoginLink:
        """A fresh sign-on link for a bksb user: use it at once, never store it."""
        call = "getAutoLoginLink"
        return self._http.get(
            call, f"api/users/user/{int(user_id)}/{call}", None, self._http.reader(call, parse_auto_login_link)
        )

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
            found = self._http.get(call, path, params, self._http.reader(call, _page_parser(kind, page)))
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
        return self._http.get(call, f"api/assessmentSessions/{call}", params, read, passthrough=404)

    def eoa_report_v5(self, user_id: int, session_id: int) -> list[EoaItem]:
        """The per-skill (end of assessment) breakdown of one finished V5 session.

        `BksbSessionNotFound` if bksb has no such session, `BksbUserNotFound` if no such user.
        """
        call = "GetEOAReportDataForAssessmentSessionV5"
        params: Params = {"sessionId": int(session_id), "userId": int(user_id)}
        read = self._not_found_reader(call, parse_eoa_items)
        return self._http.get(call, f"api/assessmentSessions/{call}", params, read, passthrough=404)

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
                    raise error_for_status(call, status, self._http.excerpt(body_text(response)))
            return self._http.read(call, response, parse)

        return read


def _page_parser(kind: ResultKind, page: int) -> Callable[[Any], ResultPage]:
    return lambda payload: parse_result_page(kind, page, payload)


def _scalar_text(response: requests.Response) -> str:
    """A bare answer (`true`, `2148453`, text) as text, with JSON quoting removed."""
    text = body_text(response).strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip() if isinstance(value, str | int) else text
