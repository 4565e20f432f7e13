"""Stand-ins for bksb and for the things that talk to it.

bksb is faked two ways: with `responses` at the HTTP boundary (FakeBksb, for unit
tests) and by the bundled sandbox over a real socket (running_sandbox, for
integration tests). Both accept the same keys. Nothing here imports Django or the
product, so the sandbox's own tests can use it without Django.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
import responses

from bksb_sandbox.server import SandboxConfig, SandboxServer

# The keys both fakes accept, the default password, and where the responses fake answers.
KEY = "key-id-1"
SECRET = "s3cr3t-Access-Key-value"
PASSWORD = "Default-Pa55word-value"
URL = "https://bksb.example.test/"

EXISTS = URL + "api/users/isUsernameExists"
GET_ID = URL + "api/users/user/getUserId"
CREATE = URL + "api/users/createUser"
AUTOLOGIN_PREFIX = URL + "autologin/"
AUTOLOGIN_CALL = re.compile(re.escape(URL) + r"api/users/user/\d+/getAutoLoginLink")


# -- the sandbox over a real socket ----------------------------------------------------------------


def running_sandbox(**knobs: Any) -> SandboxServer:
    """A sandbox to start with `with`: a free port, no latency, 300 demo learners, KEY and SECRET.

    Knobs are SandboxConfig fields (page_cap, latency_ms, users, rate_limit, seed, ...) and win.
    """
    options: dict[str, Any] = {
        "port": 0,
        "access_key_id": KEY,
        "secret_access_key": SECRET,
        "users": 300,
        "latency_ms": 0,
        "jitter_ms": 0,
        **knobs,
    }
    return SandboxServer(SandboxConfig(**options))


def api(session: requests.Session, path: str, **params: object) -> requests.Response:
    """GET a sandbox api path as a bare client would (the session carries `base_url`)."""
    return session.get(f"{session.base_url}api/{path}", params=params, timeout=5)  # type: ignore[attr-defined]


def read_all(session: requests.Session, user_id: int, kind: str = "initial", per_page: int = 20) -> list[dict]:
    """Every result of a user, reading page after page as a careful client would."""
    key = "InitialAssessmentResults" if kind == "initial" else "DiagnosticAssessmentResults"
    items: list[dict] = []
    page = 1
    while True:
        body = api(session, f"results/{kind}Assessment/{user_id}/all", page=page, recordsPerPage=per_page).json()
        items += body[key]
        pagination = body["Pagination"]
        if page * pagination["RecordsPerPage"] >= pagination["TotalRecords"]:
            return items
        page += 1


# -- bksb's user calls over responses ----------------------------------------------------------


@dataclass
class FakeBksb:
    """bksb's users: names to ids. `create_mode` says how the next createUser answers:
    "ok", "refuse" (400 with text), or "lost" (bksb creates the user, the answer never arrives).
    The next `busy` createUsers are refused with 429 and Retry-After before anything is done, and the next
    `dropped` ones lose their connection before reaching bksb (nothing is created)."""

    mock: responses.RequestsMock
    users: dict[str, int] = field(default_factory=dict)
    create_mode: str = "ok"
    refusal: str = "Email 'x' is not a valid email address."
    creates: list[list[tuple[str, str]]] = field(default_factory=list)
    # Lastname -> bksb's refusal text, whatever create_mode says.
    refuse_lastnames: dict[str, str] = field(default_factory=dict)
    next_id: int = 5000
    links_made: int = 0
    busy: int = 0
    dropped: int = 0

    def install(self) -> FakeBksb:
        self.mock.add_callback(responses.GET, EXISTS, callback=self._exists)
        self.mock.add_callback(responses.GET, GET_ID, callback=self._get_id)
        self.mock.add_callback(responses.POST, CREATE, callback=self._create)
        self.mock.add_callback(responses.GET, AUTOLOGIN_CALL, callback=self._autologin)
        return self

    @property
    def calls(self) -> list[str]:
        """The bksb calls made, by name, in order."""
        return [urlsplit(call.request.url).path.rsplit("/", 1)[-1] for call in self.mock.calls]

    def _name(self, request: requests.PreparedRequest) -> str:
        return parse_qs(urlsplit(request.url).query)["username"][0]

    def _exists(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        return 200, {}, json.dumps(self._name(request) in self.users)

    def _get_id(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        name = self._name(request)
        if name not in self.users:
            return 404, {}, f"A user with username '{name}' not found."
        return 200, {}, str(self.users[name])

    def _create(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        if self.busy:
            self.busy -= 1
            return 429, {"Retry-After": "1"}, "Too many requests."
        if self.dropped:
            self.dropped -= 1
            raise requests.ConnectionError("connection reset by peer")
        form = parse_qsl(str(request.body))
        self.creates.append(form)
        name, lastname = dict(form)["Username"], dict(form)["Lastname"]
        if lastname in self.refuse_lastnames:
            return 400, {}, self.refuse_lastnames[lastname]
        if self.create_mode == "refuse":
            return 400, {}, self.refusal
        if name in self.users:
            return 400, {}, f"Username '{name}' is already in use."
        self.next_id += 1
        self.users[name] = self.next_id
        if self.create_mode == "lost":
            raise requests.Timeout("read timed out")
        return 200, {}, json.dumps({"UserId": self.next_id, "Username": name})

    def _autologin(self, request: requests.PreparedRequest) -> tuple[int, dict, str]:
        user_id = int(urlsplit(request.url).path.split("/")[-2])
        if user_id not in self.users.values():
            return 404, {}, "No such user."
        self.links_made += 1
        link = f"{AUTOLOGIN_PREFIX}token-{user_id}-{self.links_made}"
        return 200, {}, json.dumps({"Link": link, "Expiry": "2026-11-22T16:04:05"})


# -- the client's collaborators ----------------------------------------------------------------


class RecordingThrottle:
    """A throttle that never waits and remembers what it was asked."""

    def __init__(self) -> None:
        self.acquired = 0
        self.penalties: list[float] = []

    def acquire(self) -> None:
        self.acquired += 1

    def penalise(self, seconds: float) -> None:
        self.penalties.append(seconds)


class ClientsMade(list):
    """Stands in for the client class: makes real clients as asked, and keeps each one in order."""

    def __init__(self, client_class: Any) -> None:
        super().__init__()
        self.client_class = client_class

    def __call__(self, **options: Any) -> Any:
        client = self.client_class(**options)
        self.append(client)
        return client
