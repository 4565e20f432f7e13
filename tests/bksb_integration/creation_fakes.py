"""A stateful fake of bksb's user calls over `responses`, for the user creation tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
import responses

from bksb_integration.models import BksbSettings

URL = "https://bksb.example.test/"
SECRET = "s3cr3t-Access-Key-value"
PASSWORD = "Default-Pa55word-value"
EXISTS = URL + "api/users/isUsernameExists"
GET_ID = URL + "api/users/user/getUserId"
CREATE = URL + "api/users/createUser"
AUTOLOGIN_PREFIX = "https://bksb.example.test/autologin/"
AUTOLOGIN_CALL = re.compile(re.escape(URL) + r"api/users/user/\d+/getAutoLoginLink")


def configured(**extra: object) -> BksbSettings:
    settings = BksbSettings.load()
    settings.integration_enabled = True
    settings.api_url = URL
    settings.access_key_id = "key-id-1"
    settings.secret_access_key = SECRET
    settings.default_password = PASSWORD
    for name, value in extra.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@dataclass
class FakeBksb:
    """bksb's users: names to ids. `create_mode` says how the next createUser answers:
    "ok", "refuse" (400 with text), or "lost" (bksb creates the user, the answer never arrives)."""

    mock: responses.RequestsMock
    users: dict[str, int] = field(default_factory=dict)
    create_mode: str = "ok"
    refusal: str = "Email 'x' is not a valid email address."
    creates: list[list[tuple[str, str]]] = field(default_factory=list)
    # Lastname -> bksb's refusal text, whatever create_mode says.
    refuse_lastnames: dict[str, str] = field(default_factory=dict)
    next_id: int = 5000
    links_made: int = 0

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
