"""Integration fixtures: bksb faked with responses, the integration switched on, clients recorded."""

from __future__ import annotations

import pytest
import responses

from bksb_integration.api.client import BksbClient
from bksb_integration.config import connection
from bksb_integration.models import BksbSettings
from tests.fakes import ClientsMade, FakeBksb
from tests.support import configure


@pytest.fixture
def bksb(bksb_http: responses.RequestsMock) -> FakeBksb:
    """bksb's user calls, answered statefully at tests.fakes.URL (see FakeBksb)."""
    return FakeBksb(bksb_http).install()


@pytest.fixture
def integration(db) -> BksbSettings:
    """The integration switched on against tests.fakes.URL, where the `bksb` fixture answers."""
    return configure()


@pytest.fixture
def clients_made(monkeypatch: pytest.MonkeyPatch) -> list[BksbClient]:
    """Every client client_for makes from now on, in order."""
    made = ClientsMade(BksbClient)
    monkeypatch.setattr(connection, "BksbClient", made)
    return made
