"""Fixtures for the bksb sandbox tests: an in-process sandbox on a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bksb_sandbox.server import SandboxServer
from tests.sandbox.helpers import KEY, SECRET, make_config


@pytest.fixture(autouse=True)
def _test_settings() -> None:
    """The sandbox needs no Django: shadow the project's autouse settings fixture
    so these tests also run with ``-p no:django``."""


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A running sandbox with 300 demo learners and no latency."""
    with SandboxServer(make_config()) as srv:
        yield srv


@pytest.fixture
def bksb(sandbox: SandboxServer) -> Iterator[requests.Session]:
    """A pooled session that speaks to the sandbox as the product's client would."""
    with requests.Session() as session:
        session.auth = (KEY, SECRET)
        session.headers["Accept"] = "application/json"
        session.base_url = sandbox.url  # type: ignore[attr-defined]
        yield session
