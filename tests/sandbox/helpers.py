"""Helpers for the bksb sandbox tests."""

from __future__ import annotations

import requests

from bksb_sandbox.server import SandboxConfig

KEY, SECRET = "test-key", "test-secret"


def make_config(**overrides: object) -> SandboxConfig:
    """A quiet, fast sandbox config; overrides win."""
    settings: dict = {
        "port": 0,
        "access_key_id": KEY,
        "secret_access_key": SECRET,
        "users": 300,
        "latency_ms": 0,
        "jitter_ms": 0,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


def api(session: requests.Session, path: str, **params: object) -> requests.Response:
    """GET an api path relative to the sandbox base url."""
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
