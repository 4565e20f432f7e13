"""bksb_get_results --sessions and --watch: sessions, skills and the watch list from the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from bksb_integration.models import AssessmentSession, SkillResult, WatchEntry
from bksb_integration.sync.watch import watch_add
from tests.support import linked_learner

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("bksb_get_results", *args, stdout=out)
    return out.getvalue()


def test_sessions_option_reads_sessions_and_skills_and_prints_the_figures(sandbox):
    learner = linked_learner("demo.learner0004", learner_ref="L000004")

    figures = json.loads(_command("--learner", "L000004", "--sessions", "--json"))

    sessions = AssessmentSession.objects.filter(learner=learner)
    skills = SkillResult.objects.filter(session__learner=learner)
    assert figures["session_requests"] == 2
    assert figures["eoa_requests"] == sessions.filter(completed_at__isnull=False).count() > 0
    assert figures["sessions_stored"] == sessions.count()
    assert figures["skills_stored"] == skills.count() > 0
    again = _command("--learner", "L000004", "--sessions")
    assert "L000004: 0 new, 0 updated" in again
    assert "0 sessions and 0 skill rows stored" in again


def test_watch_runs_one_pass_and_prints_its_figures(sandbox):
    sandbox.store.create_user({"Username": "new.starter", "Firstname": "N", "Lastname": "S", "Email": "n@x.test"})
    learner = linked_learner("new.starter", learner_ref="L000777")
    watch_add(learner=learner, by=None)
    sandbox.start_session("new.starter", "ENG_NEW", finish_after=3)

    figures = json.loads(_command("--watch", "--json", "--threads", "1"))

    assert (figures["learners"], figures["succeeded"], figures["still_watched"]) == (1, 1, 1)
    assert (figures["session_requests"], figures["eoa_requests"]) == (2, 0)
    assert figures["requests_made"] == 1 + 2 + 2  # the user's id, both lists of results, both subjects' sessions
    assert WatchEntry.objects.get(learner=learner).last_polled_at is not None
    assert _command("--watch", "--threads", "1") == "No watch pass: no watched record is due.\n"


@pytest.mark.parametrize(
    "args",
    [("--sessions",), ("--all", "--sessions"), ("--watch", "--all"), ("--watch", "--learner", "L1")],
)
def test_sessions_and_watch_refuse_other_options(sandbox, args):
    with pytest.raises(CommandError):
        _command(*args)
