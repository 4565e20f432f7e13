"""The demo's records, as make demo seeds them and bksb_demo links them, are found by the list's search."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import call_command

from learners.demo import demo_seed
from learners.models import Learner
from learners.selectors import LearnerFilters, learner_search

pytestmark = pytest.mark.django_db


def _found(query: str) -> set[str]:
    return set(learner_search(filters=LearnerFilters(query=query)).values_list("learner_ref", flat=True))


def test_demo_records_are_found_by_reference_name_email_and_usernames(roles, monkeypatch):
    demo_seed(learners=6)
    first = Learner.objects.get(learner_ref="L000001")
    monkeypatch.setenv("BKSB_SANDBOX_ACCESS_KEY_ID", "demo-key")
    monkeypatch.setenv("BKSB_SANDBOX_SECRET_ACCESS_KEY", "demo-secret")
    with mock.patch("bksb_integration.management.commands.bksb_demo.get_results_plan_queue"):
        call_command("bksb_demo", "--sandbox-url", "http://127.0.0.1:8765/", stdout=io.StringIO())

    for query in ("L000001", f"{first.first_name} {first.last_name}", first.email, "demo.learner0001"):
        assert "L000001" in _found(query), query
    # bksb_demo links L000002 (no web user) by an explicit BKSB Username.
    assert _found("other.user01") == {"L000002"}
