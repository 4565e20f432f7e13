"""python manage.py bksb_get_results: the same download, in the foreground, from the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from bksb_integration.models import InitialAssessmentResult, Run
from tests.support import configure, linked_learner, remote_counts

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(page_cap=10, switched_on=True, fast_clients=True)]


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("bksb_get_results", *args, stdout=out)
    return out.getvalue()


def test_two_learners_are_downloaded_in_the_foreground(sandbox):
    first = linked_learner("demo.learner0012", learner_ref="L000012")
    second = linked_learner("demo.learner0003", web_user=False, learner_ref="L000003")

    output = _command("--learner", "L000012", "--learner", "L000003")

    for learner, username in ((first, "demo.learner0012"), (second, "demo.learner0003")):
        assert (
            InitialAssessmentResult.objects.filter(learner=learner).count()
            == (remote_counts(sandbox, username)["initial"])
        )
    assert "2 of 2 learners succeeded" in output
    assert set(Run.objects.values_list("trigger", "status")) == {("command", "succeeded")}


def test_json_summary_has_the_counts_and_the_failures(sandbox):
    linked_learner("demo.learner0012", learner_ref="L000012")
    linked_learner("nobody.here", web_user=False, learner_ref="L000099")
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 2 learners failed"):
        call_command("bksb_get_results", "--learner", "L000012", "--learner", "L000099", "--json", stdout=out)

    summary = json.loads(out.getvalue())
    total = sum(remote_counts(sandbox, "demo.learner0012").values())
    assert summary["learners"] == 2
    assert summary["succeeded"] == 1
    assert summary["failed"] == [
        {
            "learner": "L000099",
            "reason": "bksb has no user called “nobody.here”; check the username or create a bksb user.",
        }
    ]
    assert (summary["results_created"], summary["results_updated"], summary["results_unchanged"]) == (total, 0, 0)
    assert [detail["learner"] for detail in summary["details"]] == ["L000012", "L000099"]


def test_second_run_reports_unchanged_results(sandbox):
    linked_learner("demo.learner0003", learner_ref="L000003")
    _command("--learner", "L000003")
    sandbox.add_results("demo.learner0003", kind="diagnostic", count=1)

    summary = json.loads(_command("--learner", "L000003", "--json"))

    assert summary["results_created"] == 1
    assert summary["results_updated"] == 0


def test_a_fault_makes_the_exit_status_non_zero(sandbox):
    linked_learner("demo.learner0003", learner_ref="L000003")
    configure(sandbox.url, secret="wrong")
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("bksb_get_results", "--learner", "L000003", stdout=out)

    assert failure.value.returncode == 1
    assert "L000003: FAILED: bksb refused the key (HTTP 401)" in out.getvalue()


def test_an_unknown_reference_stops_before_anything_is_downloaded(sandbox):
    linked_learner("demo.learner0003", learner_ref="L000003")

    with pytest.raises(CommandError, match="No learner with reference NOPE"):
        _command("--learner", "L000003", "--learner", "NOPE")

    assert Run.objects.count() == 0
    assert sandbox.stats()["requests"] == 0


def test_a_learner_must_be_named():
    with pytest.raises(CommandError, match="--learner REF"):
        _command()
