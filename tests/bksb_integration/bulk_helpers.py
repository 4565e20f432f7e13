"""Helpers for the Get Results (bulk run) tests: a sandbox, settings pointing at it, linked learners."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bksb_integration.models import BksbSettings, DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_sandbox.server import SandboxConfig, SandboxServer
from learners.models import Learner
from tests.bksb_integration.test_download_support import configure as configure_integration
from tests.factories import LearnerFactory

KEY, SECRET = "bulk-key", "bulk-secret"


@contextmanager
def running_sandbox(**overrides: Any) -> Iterator[SandboxServer]:
    options: dict[str, Any] = {
        "port": 0,
        "access_key_id": KEY,
        "secret_access_key": SECRET,
        "users": 60,
        "latency_ms": 0,
        "jitter_ms": 0,
    }
    options.update(overrides)
    with SandboxServer(SandboxConfig(**options)) as server:
        yield server


def configure(url: str, **extra: Any) -> BksbSettings:
    """Switch the integration on against `url` (a sandbox)."""
    settings = configure_integration(url, key=KEY, secret=SECRET)
    settings.requests_per_second = 200.0
    for name, value in extra.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def linked_learners(numbers: range | list[int], **fields: Any) -> list[Learner]:
    """BKSB Users named demo.learnerNNNN, whom the sandbox knows."""
    return [
        LearnerFactory(bksb_user=True, bksb_username=f"demo.learner{n:04d}", first_name=f"Demo{n}", **fields)
        for n in numbers
    ]


def expected_results(server: SandboxServer, learner: Learner) -> tuple[int, int]:
    """(initial, diagnostic) results bksb holds for the learner's bksb user."""
    user = server.store.user_by_name(learner.bksb_username)
    return len(server.store.results(user, "initial")), len(server.store.results(user, "diagnostic"))


def stored_results(learner: Learner) -> tuple[int, int]:
    return (
        InitialAssessmentResult.objects.filter(learner=learner).count(),
        DiagnosticAssessmentResult.objects.filter(learner=learner).count(),
    )
