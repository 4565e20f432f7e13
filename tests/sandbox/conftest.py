"""Fixtures for the bksb sandbox tests (the shared `sandbox` fixture runs the server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bksb_sandbox.server import SandboxServer
from tests.fakes import KEY, SECRET


@pytest.fixture(autouse=True)
def _test_settings() -> None:
    """The sandbox needs no Django: shadow the project's autouse settings fixture
    so these tests also run with ``-p no:django``."""


@pytest.fixture
def bksb(sandbox: SandboxServer) -> Iterator[requests.Session]:
    """A pooled session that speaks to the sandbox as the product's client would."""
    with requests.Session() as session:
        session.auth = (KEY, SECRET)
        session.headers["Accept"] = "application/json"
        session.base_url = sandbox.url  # type: ignore[attr-defined]
        yield session
