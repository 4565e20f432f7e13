"""The bksb calls the sandbox (a test double) answers, per shared/bksb-api.md.

Auth, rate limiting and fault injection happen before these run (handler.py);
each function here only answers its call.
"""

from __future__ import annotations

import html as html_lib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bksb_sandbox import vocab
from bksb_sandbox.config import SandboxConfig
from bksb_sandbox.forms import parse_create_user
from bksb_sandbox.messages import Request, Response, as_json, html, text
from bksb_sandbox.population import DEMO_ID_BASE, PopUser, bksb_time, parse_bksb_time, uk_now
from bksb_sandbox.store import Store

UNFINISHED = "0001-01-01T00:00:00"
LINK_TTL = timedelta(minutes=5)
V5_SUBJECTS = ("ENG_NEW", "MATHS_NEW")
RESULT_KEYS = {"initial": "InitialAssessmentResults", "diagnostic": "DiagnosticAssessmentResults"}


@dataclass(frozen=True)
class Route:
    """One bksb call: its name (as in stats and forbidden_calls) and how to answer it."""

    method: str
    pattern: re.Pattern[str]
    name: str
    answer: Callable[[Api, Request, re.Match[str]], Response]


class Api:
    """Answers bksb calls from the store, following the current config."""

    def __init__(self, store: Store, config: SandboxConfig) -> None:
        self.store = store
        self.config = config

    def route(self, method: str, path: str) -> Route | None:
        """The route for a request, or None (answer 404)."""
        for route in ROUTES:
            if route.method == method and route.pattern.fullmatch(path):
                return route
        return None

    def user_exists(self, req: Request, _: re.Match[str]) -> Response:
        name = req.query.get("username")
        if name is None:
            return text(400, "The username parameter is required.")
        return as_json(self.store.user_by_name(name) is not None)

    def user_id(self, req: Request, _: re.Match[str]) -> Response:
        name = req.query.get("username", "")
        user = self.store.user_by_name(name)
        if user is None:
            return text(self.config.not_found_status, f"A user with username '{name}' not found.")
        return as_json(user.user_id)

    def create_user(self, req: Request, _: re.Match[str]) -> Response:
        try:
            fields = parse_create_user(req.form(), uk_now())
            record = self.store.create_user(fields)
        except ValueError as refusal:
            return text(400, str(refusal))
        except KeyError:
            return text(400, f"Username '{fields['Username']}' is already in use.")
        time.sleep(self.config.create_user_answer_ms / 1000)
        return as_json({k: v for k, v in record.items() if k != "CreatedAt"})

    def auto_login_link(self, req: Request, match: re.Match[str]) -> Response:
        user = self.store.user_by_id(int(match["user_id"]))
        if user is None:
            return _no_user(match["user_id"])
        token = self.store.issue_token(user.username, LINK_TTL.total_seconds())
        expiry = bksb_time(uk_now() + LINK_TTL)
        return as_json({"Link": f"{req.base_url}autologin/{token}", "Expiry": expiry})

    def results(self, req: Request, match: re.Match[str]) -> Response:
        kind = "initial" if match["kind"].lower().startswith("initial") else "diagnostic"
        user = self.store.user_by_id(int(match["user_id"]))
        if user is None:
            return _no_user(match["user_id"])
        try:
            page = int(req.query.get("page", "1"))
            per_page = int(req.query.get("recordsPerPage", "20"))
        except ValueError:
            return text(400, "page and recordsPerPage must be whole numbers.")
        if page < 1 or per_page < 1:
            return text(400, "page and recordsPerPage must be 1 or more.")
        per_page = min(per_page, self.config.page_cap)
        items = self.store.results(user, kind)
        if self.config.duplicate_on_page_boundary and page == 1 and len(items) > per_page:
            self.store.inject_once(user, kind)  # later pages shift by one
        return as_json(
            {
                RESULT_KEYS[kind]: items[(page - 1) * per_page : page * per_page],
                "Pagination": {
                    "CurrentPage": page,
                    "TotalRecords": len(items),
                    "RecordsPerPage": per_page,
                },
            }
        )

    def sessions(self, req: Request, _: re.Match[str]) -> Response:
        """V5 sessions: one per result of the reformed assessment, sessions started through
        the control endpoint, and for every third demo learner one left unfinished."""
        user, problem = self._user_from_query(req)
        if user is None:
            return problem
        code = req.query.get("courseSubject", "")
        subject = vocab.SUBJECT_BY_CODE.get(code)
        if code not in V5_SUBJECTS or subject is None:
            return text(400, "The courseSubject parameter must be ENG_NEW or MATHS_NEW.")
        sessions = []
        for kind, assessment_type in (("initial", 1), ("diagnostic", 2)):
            for item in self.store.results(user, kind):
                if item["CourseSubject"] == code and item["AssessmentID"] == subject.assessment_id:
                    sessions.append(_session(item, assessment_type))
        for live in self.store.live_sessions(user, code):
            sessions = [s for s in sessions if s["SessionId"] != live["SessionId"]]
            sessions.append(
                {
                    "SessionId": live["SessionId"],
                    "DateStarted": live["DateStarted"],
                    "DateCompleted": live["DateCompleted"] or UNFINISHED,
                    "AssessmentType": 1 if live["Kind"] == "initial" else 2,
                }
            )
        if 1 <= user.user_id - DEMO_ID_BASE <= self.store.population.users and user.user_id % 3 == 2:
            started = bksb_time(uk_now() - timedelta(hours=2))
            sessions.append(
                {
                    # One per subject: SessionIds are unique across a user's subjects, as in bksb.
                    "SessionId": user.user_id * 128 + (127 if code == "ENG_NEW" else 126),
                    "DateStarted": started,
                    "DateCompleted": UNFINISHED,
                    "AssessmentType": 1,
                }
            )
        return as_json(sorted(sessions, key=lambda s: s["DateStarted"], reverse=True))

    def eoa_report(self, req: Request, _: re.Match[str]) -> Response:
        """The per-skill rows of a finished session; none yet for an unfinished one."""
        user, problem = self._user_from_query(req)
        if user is None:
            return problem
        session_id = req.query.get("sessionId", "")
        if not self.config.sessions_not_found and session_id.isdigit():
            live = self.store.live_session(user, int(session_id))
            if live is not None and live["DateCompleted"] is None:
                return as_json({"AssessmentEOAData": []})
            for kind in ("initial", "diagnostic"):
                for item in self.store.results(user, kind):
                    if str(item["SessionId"]) == session_id:
                        return as_json({"AssessmentEOAData": self._eoa_rows(item)})
        return text(404, f"Assessment session '{session_id}' not found.")

    def _eoa_rows(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """One row per component of the subject, measured around the session's own level."""
        subject = vocab.SUBJECT_BY_CODE.get(item["CourseSubject"], vocab.SUBJECTS[0])
        rng = random.Random(f"{self.store.population.seed}:eoa:{item['SessionId']}")
        finished = parse_bksb_time(item["ResultDate"])
        centre = next((i for i, level in enumerate(vocab.LEVELS) if item["Result"].endswith(level)), 2)
        components = subject.components
        return [
            {
                "CourseComponentName": component,
                "AbilityMeasurement": vocab.LEVELS[max(0, min(len(vocab.LEVELS) - 1, centre + rng.randint(-1, 1)))],
                "MeasuringAssessmentName": item["AssessmentName"],
                "MeasuredAt": bksb_time(finished - timedelta(minutes=3 * (len(components) - index))),
            }
            for index, component in enumerate(components)
        ]

    def _user_from_query(self, req: Request) -> tuple[PopUser | None, Response]:
        raw = req.query.get("userId", "")
        if not raw.isdigit():
            return None, text(400, "The userId parameter must be a number.")
        user = self.store.user_by_id(int(raw))
        return user, _no_user(raw)

    def autologin_page(self, token: str) -> Response:
        """The page an auto-login link opens (not part of the api; no auth)."""
        username = self.store.redeem_token(token)
        if username is None:
            return html(404, _page("bksb sandbox — link expired or already used"))
        return html(200, _page(f"bksb sandbox — signed in as {html_lib.escape(username)}"))


def _no_user(user_id: str) -> Response:
    return text(404, f"A user with id '{user_id}' not found.")


def _session(item: dict[str, Any], assessment_type: int) -> dict[str, Any]:
    completed = parse_bksb_time(item["ResultDate"])
    return {
        "SessionId": item["SessionId"],
        "DateStarted": bksb_time(completed - timedelta(minutes=25)),
        "DateCompleted": item["ResultDate"],
        "AssessmentType": assessment_type,
    }


def _page(heading: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{heading}</title></head><body><h1>{heading}</h1>"
        "<p>This is the bksb sandbox, a test double. Nothing here is real.</p></body></html>"
    )


def _route(method: str, path: str, name: str, answer: Callable[..., Any]) -> Route:
    return Route(method, re.compile(path, re.IGNORECASE), name, answer)


_RESULTS = r"/api/results/(?P<kind>{})/(?P<user_id>\d+)/all"
_SESSIONS = "/api/assessmentSessions/"
ROUTES = (
    _route("GET", "/api/users/isUsernameExists", "isUsernameExists", Api.user_exists),
    _route("GET", "/api/users/user/getUserId", "getUserId", Api.user_id),
    _route("POST", "/api/users/createUser", "createUser", Api.create_user),
    _route(
        "GET",
        r"/api/users/user/(?P<user_id>\d+)/getAutoLoginLink",
        "getAutoLoginLink",
        Api.auto_login_link,
    ),
    _route("GET", _RESULTS.format("initialAssessment"), "initialAssessment", Api.results),
    _route("GET", _RESULTS.format("diagnosticAssessment"), "diagnosticAssessment", Api.results),
    _route(
        "GET",
        _SESSIONS + "getAssessmentSessionsForCourseV5",
        "getAssessmentSessionsForCourseV5",
        Api.sessions,
    ),
    _route(
        "GET",
        _SESSIONS + "GetEOAReportDataForAssessmentSessionV5",
        "GetEOAReportDataForAssessmentSessionV5",
        Api.eoa_report,
    ),
)
