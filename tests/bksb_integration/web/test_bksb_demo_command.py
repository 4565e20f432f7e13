"""manage.py bksb_demo: what make demo runs to point the integration at the sandbox."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from bksb_integration.models import BksbSettings, Run, TagRule
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_demo_configures_the_sandbox_links_the_hub_learner_and_queues_one_first_run(monkeypatch):
    monkeypatch.setenv("BKSB_SANDBOX_ACCESS_KEY_ID", "demo-key")
    monkeypatch.setenv("BKSB_SANDBOX_SECRET_ACCESS_KEY", "demo-secret")
    learner = LearnerFactory(learner_ref="L000001", bksb_user=False)
    with mock.patch("bksb_integration.management.commands.bksb_demo.get_results_plan_queue") as plan:
        call_command("bksb_demo", "--sandbox-url", "http://127.0.0.1:8765/", stdout=io.StringIO())
        call_command("bksb_demo", "--sandbox-url", "http://127.0.0.1:8765/", stdout=io.StringIO())
    settings = BksbSettings.load()
    assert settings.is_configured
    assert settings.secret_access_key == "demo-secret"
    assert settings.has_default_password
    learner.refresh_from_db()
    assert learner.bksb_user
    run = Run.objects.get()  # the second start finds the first run and queues nothing
    plan.assert_called_once_with(run.pk, countdown=10)
    # Starter tag rules, made once, so the demo's Tag filter and tabs have tags to show.
    assert sorted(TagRule.objects.values_list("name", flat=True)) == [
        "English support: Entry",
        "Maths support: Entry",
        "Maths: ready for Level 2",
    ]


def test_demo_needs_the_sandbox_keys(monkeypatch):
    monkeypatch.delenv("BKSB_SANDBOX_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("BKSB_SANDBOX_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(CommandError, match="BKSB_SANDBOX_ACCESS_KEY_ID"):
        call_command("bksb_demo")


def test_demo_on_another_sandbox_clears_the_old_default_password_and_sets_a_new_one(monkeypatch):
    monkeypatch.setenv("BKSB_SANDBOX_ACCESS_KEY_ID", "demo-key")
    monkeypatch.setenv("BKSB_SANDBOX_SECRET_ACCESS_KEY", "demo-secret")
    with mock.patch("bksb_integration.management.commands.bksb_demo.get_results_plan_queue"):
        call_command("bksb_demo", "--sandbox-url", "http://127.0.0.1:8765/", stdout=io.StringIO())
        first = BksbSettings.load().default_password
        call_command("bksb_demo", "--sandbox-url", "http://127.0.0.1:8765/", stdout=io.StringIO())
        assert BksbSettings.load().default_password == first
        call_command("bksb_demo", "--sandbox-url", "http://127.0.0.1:9876/", stdout=io.StringIO())
    settings = BksbSettings.load()
    assert settings.api_url == "http://127.0.0.1:9876/"
    assert settings.default_password not in ("", first)


def test_demo_says_who_may_get_results_for_all_learners(monkeypatch, admin_user, manager, tutor):
    monkeypatch.setenv("BKSB_SANDBOX_ACCESS_KEY_ID", "demo-key")
    monkeypatch.setenv("BKSB_SANDBOX_SECRET_ACCESS_KEY", "demo-secret")
    out = io.StringIO()
    with mock.patch("bksb_integration.management.commands.bksb_demo.get_results_plan_queue"):
        call_command("bksb_demo", stdout=out)
    assert "Get Results for all learners (Management > BKSB): admin1, manager1." in out.getvalue()
