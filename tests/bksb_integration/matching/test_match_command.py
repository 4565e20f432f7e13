"""bksb_match: suggestions per record, linking strong unique ones only when asked; and the nightly hook."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from bksb_integration.models import BksbLink
from bksb_integration.tasks import get_results_nightly_task
from jobs.models import Job
from learners.models import Learner
from permissions.audit import audit_entries
from tests.factories import LearnerFactory
from tests.fakes import GET_ID
from tests.support import configure

pytestmark = pytest.mark.django_db


def _run(capsys, *args: str) -> list[dict]:
    call_command("bksb_match", *args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_json_lists_one_object_per_record_and_links_nothing(bksb, integration, capsys):
    LearnerFactory(learner_ref="M1", email="m1@example.ac.uk")
    LearnerFactory(learner_ref="M2", email="", first_name="Al", last_name="Bo")
    bksb.users["m1@example.ac.uk"] = 81

    lines = _run(capsys, "--learner", "M1", "--learner", "M2", "--json")

    assert [line["learner"] for line in lines] == ["M1", "M2"]
    assert lines[0]["suggestions"] == [
        {
            "username": "m1@example.ac.uk",
            "bksb_user_id": 81,
            "reason": "the email",
            "strength": "strong",
            "held_by": None,
        }
    ]
    assert lines[1]["suggestions"] == []
    assert lines[1]["candidates"] == ["M2", "m2", "al.bo", "albo", "abo2"]
    assert not Learner.objects.filter(bksb_user=True).exists()


def test_link_strong_unique_links_only_those(bksb, integration, capsys):
    LearnerFactory(learner_ref="M1", email="m1@example.ac.uk")
    LearnerFactory(learner_ref="M2", email="", first_name="Al", last_name="Bo")
    bksb.users.update({"m1@example.ac.uk": 81, "al.bo": 82})

    lines = _run(capsys, "--all", "--json", "--link-strong-unique")

    assert {line["learner"]: line.get("linked") for line in lines} == {"M1": True, "M2": None}
    assert BksbLink.objects.get(learner__learner_ref="M1").bksb_user_id == 81
    assert not Learner.objects.get(learner_ref="M2").bksb_user
    note = next(e.note for e in audit_entries(source="learners") if e.what.startswith("Learner M1"))
    assert note == "Matching (bksb_match --link-strong-unique)"


def test_exits_non_zero_when_bksb_could_not_be_asked(bksb_http, integration, capsys):
    LearnerFactory(learner_ref="M1", email="", first_name="", last_name="X")
    bksb_http.add(bksb_http.GET, GET_ID, status=503, body="down")

    with pytest.raises(CommandError, match="could not be fully checked"):
        call_command("bksb_match", "--learner", "M1")
    assert "not fully checked" in capsys.readouterr().out


def test_a_linked_record_is_said_to_be_linked_and_not_asked_about(bksb, integration, capsys):
    linked = LearnerFactory(learner_ref="M9", bksb_user=True, bksb_username="m9")
    BksbLink.objects.create(learner=linked, bksb_user_id=9, resolved_username="m9")

    lines = _run(capsys, "--learner", "M9", "--json")

    assert lines == [{"learner": "M9", "name": linked.full_name, "already_linked": True}]
    assert bksb.calls == []


def test_an_unknown_reference_is_refused(integration):
    with pytest.raises(CommandError, match="No record with the reference NOPE"):
        call_command("bksb_match", "--learner", "NOPE")


def test_the_nightly_run_matches_and_links_only_when_switched_on(bksb, db, django_capture_on_commit_callbacks):
    configure(match_link_automatically=False)
    LearnerFactory(learner_ref="N1", email="n1@example.ac.uk")
    bksb.users["n1@example.ac.uk"] = 91

    with django_capture_on_commit_callbacks(execute=True):
        get_results_nightly_task()
    assert not Job.objects.filter(kind="bksb_match").exists()

    configure(match_link_automatically=True)
    with django_capture_on_commit_callbacks(execute=True):
        get_results_nightly_task()

    job = Job.objects.get(kind="bksb_match")
    assert job.params == {"link_strong_unique": True, "trigger": "nightly", "then_create": True}
    assert BksbLink.objects.get(learner__learner_ref="N1").bksb_user_id == 91


def test_with_matching_and_automatic_users_both_on_the_night_links_first_and_creates_only_for_the_rest(
    bksb, db, django_capture_on_commit_callbacks
):
    configure(match_link_automatically=True, auto_create_users=True)
    LearnerFactory(learner_ref="B1", email="b1@example.ac.uk", last_name="Known")
    LearnerFactory(learner_ref="B2", email="b2@example.ac.uk", last_name="Newcomer")
    bksb.users["b1@example.ac.uk"] = 95

    with django_capture_on_commit_callbacks(execute=True):
        get_results_nightly_task()

    assert BksbLink.objects.get(learner__learner_ref="B1").bksb_user_id == 95
    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Newcomer"]  # Known was found, not created again
    assert Learner.objects.get(learner_ref="B2").bksb_user
