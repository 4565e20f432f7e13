"""Hub fixtures: bksb settings in a known state, a signed-in learner, results."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bksb_integration.models import BksbLink, BksbSettings, DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.models.mappings import LEVEL_RANK

BKSB_SITE = "https://college.bksblive2.co.uk/"


@pytest.fixture
def bksb_settings(db) -> BksbSettings:
    """bksb switched on (no API keys) with the BKSB URL option on."""
    settings = BksbSettings.load()
    settings.integration_enabled = True
    settings.hub_bksb_url_enabled = True
    settings.hub_bksb_url = BKSB_SITE
    settings.save()
    return settings


@pytest.fixture
def levels_on(db) -> BksbSettings:
    """The provider shows learners their levels on the Hub."""
    settings = BksbSettings.load()
    settings.hub_show_levels = True
    settings.save()
    return settings


@pytest.fixture
def bksb_learner(web_user):
    """The web user's learner, a BKSB User going by their web user account name."""
    learner = web_user.learner
    learner.bksb_user = True
    learner.save()
    return learner


@pytest.fixture
def hub_client(client, web_user):
    client.force_login(web_user.user)
    return client


def add_result(learner, *, kind: str = "initial", when: dt.datetime | None = None, **fields: Any):
    """Store one downloaded result for a learner, as a download would.

    A download links the learner to the bksb user first: a learner with no
    link yet is linked to the result's bksb user; an existing link is kept.
    """
    model = InitialAssessmentResult if kind == "initial" else DiagnosticAssessmentResult
    now = timezone.now()
    level = fields.pop("level", "entry_3")
    values: dict[str, Any] = {
        "bksb_user_id": 2100001,
        "session_id": model.objects.count() + 1000,
        "assessment_id": 50000,
        "course_subject": "MATHS_NEW",
        "assessment_name": "Maths Initial Assessment",
        "result": "Maths Entry 3",
        "subject": "maths",
        "level": level,
        "level_rank": LEVEL_RANK.get(level) if level else None,
        "result_date": when or now,
        "first_seen_at": now,
        "last_changed_at": now,
        **fields,
    }
    BksbLink.objects.get_or_create(learner=learner, defaults={"bksb_user_id": values["bksb_user_id"]})
    return model.objects.create(learner=learner, **values)
