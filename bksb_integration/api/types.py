"""Typed answers of the bksb API, and how they are read from its JSON.

Field names of bksb's JSON live here and in `client.py` only. Parsers raise
`PayloadError`; the client turns it into `BksbMalformedAnswer` naming the call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

BKSB_TIME_ZONE = ZoneInfo("Europe/London")
UNFINISHED_DATE_PREFIX = "0001-01-01"

ResultKind = Literal["initial", "diagnostic"]

_DATETIME = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{0,7}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*"
)
_INTEGER = re.compile(r"\s*-?\d+\s*")


class PayloadError(ValueError):
    """A bksb answer does not have the shape this module expects."""


class Throttle(Protocol):
    """A request budget shared by every worker that talks to bksb with one key."""

    def acquire(self) -> None:
        """Block until one more request is allowed."""

    def penalise(self, seconds: float) -> None:
        """bksb answered 429: make every worker hold back for `seconds`."""


class Priority(IntEnum):
    """Who is waiting on a request to bksb; the shared budget serves the lowest number first."""

    PERSON = 1  # someone is waiting on the screen: BKSB Results, Find in bksb, a run or job started by hand
    WATCH = 2  # the watch list's passes
    NIGHTLY = 3  # the nightly Get Results, matching and automatic user creation
    BACKFILL = 4  # catching up on history nobody is waiting for

    @property
    def label(self) -> str:
        return PRIORITY_LABELS[self]


PRIORITY_LABELS = {
    Priority.PERSON: "staff waiting on a download or a search",
    Priority.WATCH: "the watch list",
    Priority.NIGHTLY: "the nightly run",
    Priority.BACKFILL: "the backfill",
}


class RequestObserver(Protocol):
    """Told of every request's outcome (the product counts them for its metrics)."""

    def answered(self, call: str, outcome: str) -> None:
        """A request ended: "ok", the HTTP status ("404", "429" ...), "timeout", "no_connection" or "failed"."""

    def rate_limited(self, call: str, pause: float) -> None:
        """bksb answered 429 and the shared budget was paused for `pause` seconds."""


class NoObserver:
    def answered(self, call: str, outcome: str) -> None:
        return None

    def rate_limited(self, call: str, pause: float) -> None:
        return None


class NoThrottle:
    """The default throttle: no shared budget."""

    def acquire(self) -> None:
        return None

    def take(self, priority: Priority = Priority.PERSON) -> float:
        return 0.0

    def penalise(self, seconds: float) -> None:
        return None


@dataclass(frozen=True)
class NewBksbUser:
    username: str
    firstname: str
    lastname: str
    password: str = field(repr=False)
    email: str
    date_of_birth: date
    auto_enrol_courses: bool


@dataclass(frozen=True)
class CreatedBksbUser:
    user_id: int
    username: str
    raw: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class AutoLoginLink:
    # The link logs a learner in: keep it out of reprs and logs.
    link: str = field(repr=False)
    expiry: datetime


@dataclass(frozen=True)
class AssessmentResult:
    kind: ResultKind
    session_id: int
    assessment_id: int
    course_subject: str
    course_name: str
    assessment_name: str
    result: str
    result_date: datetime
    percent_score: float | None
    raw: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ResultPage:
    kind: ResultKind
    page: int
    total_pages: int
    total_records: int
    records_per_page: int
    results: list[AssessmentResult]


@dataclass(frozen=True)
class AssessmentSession:
    """One V5 session as getAssessmentSessionsForCourseV5 lists it; `date_completed` None while unfinished."""

    session_id: int
    assessment_type: int  # 1 initial, 2 diagnostic (others are kept, and left to the caller)
    date_started: datetime
    date_completed: datetime | None
    raw: dict[str, Any] = field(hash=False)

    @property
    def is_finished(self) -> bool:
        return self.date_completed is not None


@dataclass(frozen=True)
class EoaItem:
    """One component's row of a session's end-of-assessment (EOA) report."""

    course_component_name: str
    ability_measurement: str
    measuring_assessment_name: str
    measured_at: datetime | None
    raw: dict[str, Any] = field(hash=False)


def new_user_form(user: NewBksbUser) -> list[tuple[str, str]]:
    """The createUser form fields, in the contract's order."""
    dob = user.date_of_birth
    moment = dob if isinstance(dob, datetime) else datetime(dob.year, dob.month, dob.day)
    return [
        ("Username", user.username),
        ("Firstname", user.firstname),
        ("Lastname", user.lastname),
        ("Password", user.password),
        ("Email", user.email),
        ("DateOfBirth[Year]", str(moment.year)),
        ("DateOfBirth[Month]", str(moment.month)),
        ("DateOfBirth[Day]", str(moment.day)),
        ("DateOfBirth[Hour]", str(moment.hour)),
        ("DateOfBirth[Minute]", str(moment.minute)),
        ("DateOfBirth[Second]", str(moment.second)),
        ("DateOfBirth[Millisecond]", str(moment.microsecond // 1000)),
        ("AutoEnrolCourses", "true" if user.auto_enrol_courses else "false"),
    ]


def parse_bksb_datetime(value: object) -> datetime:
    """Read a bksb time (no zone given: UK local time) as an aware Europe/London time.

    Fractions of any length up to 7 digits are read (the 7th is dropped). An
    ambiguous autumn time is taken as its first (BST) occurrence; a spring time
    that never existed is moved forward by the hour that was skipped.
    """
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PayloadError("a date is not in the expected form")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "").ljust(6, "0")[:6]),
        )
        if offset is None:
            local = moment.replace(tzinfo=BKSB_TIME_ZONE)
            return local.astimezone(UTC).astimezone(BKSB_TIME_ZONE)
        return moment.replace(tzinfo=_fixed_offset(offset)).astimezone(BKSB_TIME_ZONE)
    except (ValueError, OverflowError):
        raise PayloadError("a date is out of range") from None


def _fixed_offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_result_page(kind: ResultKind, page: int, payload: object) -> ResultPage:
    key = "InitialAssessmentResults" if kind == "initial" else "DiagnosticAssessmentResults"
    body = _object(payload, "the answer")
    pagination = _object(body.get("Pagination"), "Pagination")
    total = _integer(pagination.get("TotalRecords"), "Pagination.TotalRecords")
    per_page = _integer(pagination.get("RecordsPerPage"), "Pagination.RecordsPerPage")
    if total < 0 or per_page <= 0:
        raise PayloadError("Pagination has impossible numbers")
    items = body.get(key)
    if items is None:
        items = []
    if not isinstance(items, list):
        raise PayloadError(f"{key} is not a list")
    results = [_result(kind, item, index) for index, item in enumerate(items, start=1)]
    return ResultPage(kind, page, -(-total // per_page), total, per_page, results)


def _result(kind: ResultKind, item: object, index: int) -> AssessmentResult:
    raw = _object(item, f"result {index}")
    try:
        result_date = parse_bksb_datetime(raw.get("ResultDate"))
    except PayloadError:
        raise PayloadError(f"result {index} has no valid ResultDate") from None
    return AssessmentResult(
        kind=kind,
        session_id=_integer(raw.get("SessionId"), f"result {index} SessionId"),
        assessment_id=_integer(raw.get("AssessmentID"), f"result {index} AssessmentID"),
        course_subject=_text(raw.get("CourseSubject")),
        course_name=_text(raw.get("CourseName")),
        assessment_name=_text(raw.get("AssessmentName")),
        result=_text(raw.get("Result")),
        result_date=result_date,
        percent_score=_score(raw.get("PercentScore")) if kind == "diagnostic" else None,
        raw=raw,
    )


def parse_created_user(payload: object) -> CreatedBksbUser:
    raw = _object(payload, "the answer")
    user_id = _integer(raw.get("UserId"), "UserId")
    return CreatedBksbUser(user_id=user_id, username=_text(raw.get("Username")), raw=raw)


def parse_auto_login_link(payload: object) -> AutoLoginLink:
    raw = _object(payload, "the answer")
    link = raw.get("Link")
    # The link is sent to a browser: only ever an http(s) address.
    if not isinstance(link, str) or not re.match(r"https?://[^\s]+\Z", link, re.IGNORECASE):
        raise PayloadError("Link is not an http(s) address")
    return AutoLoginLink(link=link, expiry=parse_bksb_datetime(raw.get("Expiry")))


def parse_assessment_sessions(payload: object) -> list[AssessmentSession]:
    """Every session, finished or not: bksb marks an unfinished one with DateCompleted 0001-01-01.

    Strict: a session without a SessionId, a type or a start date is a malformed answer.
    """
    if not isinstance(payload, list):
        raise PayloadError("the answer is not a list of sessions")
    sessions = []
    for index, item in enumerate(payload, start=1):
        raw = _object(item, f"session {index}")
        what = f"session {index}"
        sessions.append(
            AssessmentSession(
                session_id=_integer(raw.get("SessionId"), f"{what} SessionId"),
                assessment_type=_integer(raw.get("AssessmentType"), f"{what} AssessmentType"),
                date_started=_date(raw.get("DateStarted"), f"{what} DateStarted"),
                date_completed=_completed(raw.get("DateCompleted"), f"{what} DateCompleted"),
                raw=raw,
            )
        )
    return sessions


def parse_eoa_items(payload: object) -> list[EoaItem]:
    """A session's per-skill rows; every row names its component."""
    body = _object(payload, "the answer")
    if "AssessmentEOAData" not in body:
        raise PayloadError("AssessmentEOAData is missing")
    items = body["AssessmentEOAData"]
    if items is None:
        items = []
    if not isinstance(items, list):
        raise PayloadError("AssessmentEOAData is not a list")
    return [_eoa_item(item, index) for index, item in enumerate(items, start=1)]


def _eoa_item(item: object, index: int) -> EoaItem:
    raw = _object(item, f"item {index}")
    name = raw.get("CourseComponentName")
    if not isinstance(name, str) or not name.strip():
        raise PayloadError(f"item {index} has no CourseComponentName")
    measured = raw.get("MeasuredAt")
    return EoaItem(
        course_component_name=name.strip(),
        ability_measurement=_text(raw.get("AbilityMeasurement")).strip(),
        measuring_assessment_name=_text(raw.get("MeasuringAssessmentName")).strip(),
        measured_at=None if measured in (None, "") else _date(measured, f"item {index} MeasuredAt"),
        raw=raw,
    )


def _date(value: object, what: str) -> datetime:
    try:
        return parse_bksb_datetime(value)
    except PayloadError:
        raise PayloadError(f"{what} is missing or not a date") from None


def _completed(value: object, what: str) -> datetime | None:
    if isinstance(value, str) and value.strip().startswith(UNFINISHED_DATE_PREFIX):
        return None
    return _date(value, what)


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} is not a JSON object")
    return value


def _integer(value: object, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise PayloadError(f"{what} is missing or not an integer")


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _score(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        score = float(value)
    except ValueError:
        return None
    return score if math.isfinite(score) else None
