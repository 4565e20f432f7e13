"""Plain request and response values passed around inside the sandbox (a test double)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str  # decoded path without the query string, e.g. "/api/users/createUser"
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]  # lower-cased names
    base_url: str  # e.g. "http://127.0.0.1:8765/", as the client reached us

    def form(self) -> dict[str, str]:
        """The body as a form (first value of each field)."""
        fields = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}

    def json(self) -> Any:
        """The body as JSON ({} when empty); ValueError if it is not JSON."""
        return json.loads(self.body or b"{}")


@dataclass
class Response:
    """What to answer."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def text(status: int, message: str, **headers: str) -> Response:
    """A short plain-text answer, as bksb gives for errors."""
    return Response(status, message.encode("utf-8"), headers=headers)


def as_json(data: Any, status: int = 200) -> Response:
    """A JSON answer."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8")


def html(status: int, page: str) -> Response:
    """An HTML answer (the caller escapes everything untrusted)."""
    return Response(status, page.encode("utf-8"), "text/html; charset=utf-8")
