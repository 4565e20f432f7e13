"""Shared helpers for the download, tab and command tests (no tests here).

Fixtures stay in each test module; these are plain functions they call.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps as django_apps

from bksb_integration.accounts.linking import last_download_time, link_for
from bksb_integration.api.client import BksbClient
from bksb_integration.api.types import NoThrottle
from bksb_integration.config import connection
from bksb_integration.models import (
    BksbSettings,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    LevelMapping,
    SubjectMapping,
)
from bksb_integration.sync import download
from bksb_sandbox.server import SandboxConfig, SandboxServer
from learners.models import Learner
from tests.factories import LearnerFactory, WebUserFactory

KEY, SECRET = "k", "s"
URL = "https://bksb.example.test/"
MULTI_PAGE_USER = "demo.learner0012"  # 25-60 results in each list
BST_USER = "demo.learner0072"  # multi-page, and id divisible by 13: a result at 2025-10-26 01:30 UK time


@contextmanager
def sandbox_running(**knobs: object) -> Iterator[SandboxServer]:
    config = SandboxConfig(port=0, access_key_id=KEY, secret_access_key=SECRET, latency_ms=0, jitter_ms=0)
    server = SandboxServer(config).start()
    try:
        if knobs:
            server.set_config(**knobs)
        yield server
    finally:
        server.stop()


def configure(url: str, *, key: str = KEY, secret: str = SECRET, enabled: bool = True) -> BksbSettings:
    settings = BksbSettings.load()
    settings.integration_enabled = enabled
    settings.api_url = url
    settings.access_key_id = key
    settings.secret_access_key = secret
    settings.save()
    return settings


def fast_clients(monkeypatch, *, timeout: float = 5.0) -> None:
    """Clients made by client_for never sleep between retries and time out quickly.

    Runs get no shared request budget either: a 429 here must not hold back
    other test runs on this machine through the shared bucket file.
    """
    monkeypatch.setattr(connection, "BksbClient", functools.partial(BksbClient, sleep=lambda _: None, timeout=timeout))
    monkeypatch.setattr(download, "shared_throttle", lambda **_: NoThrottle())


def mappings_seed() -> None:
    """The level and subject rows migrations 0002 and 0010 seed (a transactional test flushes them)."""
    seeded = importlib.import_module("bksb_integration.migrations.0002_seed_mappings")
    for code, subject in seeded.SUBJECTS.items():
        SubjectMapping.objects.get_or_create(course_subject=code, defaults={"subject": subject})
    for text, match, level in seeded.LEVELS:
        LevelMapping.objects.get_or_create(text=text, match=match, defaults={"level": level})
    importlib.import_module("bksb_integration.migrations.0010_esol_subject").forwards(django_apps, None)


def linked_learner(username: str, *, web_user: bool = True, **fields: object) -> Learner:
    """A BKSB User whose username in effect is `username` (through a web user, or typed)."""
    if web_user:
        learner_fields = {f"learner__{name}": value for name, value in fields.items()}
        return WebUserFactory(user__username=username, learner__bksb_user=True, **learner_fields).learner
    return LearnerFactory(bksb_user=True, bksb_username=username, **fields)


def stored(learner: Learner) -> dict[tuple[str, int, int, int], tuple[object, ...]]:
    """Every stored result of a learner, keyed by identity, with what a download may change."""
    rows = {}
    for kind, model in (("initial", InitialAssessmentResult), ("diagnostic", DiagnosticAssessmentResult)):
        for row in model.objects.filter(learner=learner):
            key = (kind, row.bksb_user_id, row.session_id, row.assessment_id)
            rows[key] = (row.pk, row.result, row.result_date, row.last_changed_at, row.level)
    return rows


def remote_counts(server: SandboxServer, username: str) -> dict[str, int]:
    user = server.store.user_by_name(username)
    return {kind: len(server.store.results(user, kind)) for kind in ("initial", "diagnostic")}


def last_download(learner: Learner) -> dt.datetime | None:
    learner = Learner.objects.select_related("web_user").get(pk=learner.pk)
    return last_download_time(learner, link_for(learner))
