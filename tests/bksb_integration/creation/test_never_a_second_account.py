"""Never a second bksb account: creating users for many records (bksb_create_user --all-unlinked, the unmatched
report's Create bksb users, automatic creation) first asks bksb about each record's candidates, and leaves out,
naming each, every record bksb may know already: a possible match (first.last), a strong match another record
holds, a match an earlier matching run found. Against the real sandbox."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bksb_integration.creation.intake import auto_create_start
from bksb_integration.creation.users_job import FOUND_IN_BKSB, KIND
from bksb_integration.matching.match_job import bksb_match_start, unlinked_ids
from bksb_integration.models import BksbLink, BksbSettings, UserCreationRequest
from jobs.models import Job
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import configure, looked_for_in_bksb

pytestmark = [pytest.mark.sandbox(fast_clients=True), pytest.mark.django_db]


@pytest.fixture
def population(sandbox):
    """Four eligible records with no bksb user: three bksb may know, one it does not."""
    configure(sandbox.url)
    possible = LearnerFactory(learner_ref="L000701", first_name="Priya", last_name="Shah", email="ps7@example.ac.uk")
    held = LearnerFactory(learner_ref="L000702", first_name="Harry", last_name="Hill", email="harry@college.ac.uk")
    earlier = LearnerFactory(learner_ref="L000703", first_name="Rita", last_name="Ray", email="rr@example.ac.uk")
    clean = LearnerFactory(learner_ref="L000704", first_name="Nina", last_name="Noone", email="nn@example.ac.uk")
    shah_id, hill_id = (
        u["UserId"] for u in sandbox.place_users([{"Username": "priya.shah"}, {"Username": "harry@college.ac.uk"}])
    )
    holder = LearnerFactory(learner_ref="L000799", bksb_user=True, bksb_username="harry@college.ac.uk")
    BksbLink.objects.create(learner=holder, bksb_user_id=hill_id, resolved_username="harry@college.ac.uk")
    # An earlier matching run found Rita under a name bksb has since let go of: still not created.
    looked_for_in_bksb(earlier, found={earlier.pk: ("rita.ray.old", 4242)})
    return {"possible": possible, "held": held, "earlier": earlier, "clean": clean, "ids": (shah_id, hill_id)}


def _created_names(sandbox) -> list[str]:
    return [user["Username"] for user in sandbox.created_users()]


def test_all_unlinked_creates_no_user_for_records_bksb_may_know_and_names_each(sandbox, population, capsys):
    with pytest.raises(CommandError, match="3 of 4 records were not created"):
        call_command("bksb_create_user", "--all-unlinked", "--json")
    out, err = capsys.readouterr()

    lines = {line["learner"]: line for line in map(json.loads, out.splitlines())}
    assert _created_names(sandbox) == [lines["L000704"]["username"]]
    assert lines["L000704"]["outcome"] == "created"
    for ref, found in (("L000701", "priya.shah"), ("L000702", "harry@college.ac.uk"), ("L000703", "rita.ray.old")):
        assert lines[ref]["outcome"] == FOUND_IN_BKSB
        assert lines[ref]["left_out"] is True
        assert lines[ref]["label"] == "Found in bksb: review the match"
        assert lines[ref]["username"] == found
    assert "already linked to" in lines["L000702"]["message"]  # the held match says who holds it
    assert "possible match" in lines["L000701"]["message"]
    assert "3 left out" in err
    assert "L000701 (priya.shah)" in err
    for key in ("possible", "held", "earlier"):
        learner = Learner.objects.get(pk=population[key].pk)
        assert not learner.bksb_user
        assert not BksbLink.objects.filter(learner=learner, bksb_user_id__isnull=False).exists()

    # Run again: still nobody created twice, nor any of the three.
    with pytest.raises(CommandError):
        call_command("bksb_create_user", "--all-unlinked", "--json")
    assert len(sandbox.created_users()) == 1


def test_the_reports_create_action_offers_only_records_to_create_and_says_why_it_leaves_the_others(
    sandbox, population, client, admin_user, django_capture_on_commit_callbacks
):
    # Matching looks for every unlinked record: it finds the possible and the held match.
    with django_capture_on_commit_callbacks(execute=True):
        bksb_match_start(learner_ids=unlinked_ids(), started_by=None)
    client.force_login(admin_user)

    report = client.get(reverse("bksb:unmatched")).content.decode()
    choice = client.post(reverse("bksb:users_create"), {"scope": "unmatched"}, HTTP_HX_REQUEST="true").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bksb:users_create"), {"scope": "unmatched", "start": "1"}, HTTP_HX_REQUEST="true")

    assert "Creates a bksb user for each of the 1 record on this report whose next action is Create user" in report
    assert "<li>3 because a matching run found a bksb user for them: review the match and link it</li>" in report
    assert "<strong>1</strong> record selected" in choice
    assert "<strong>3</strong> records on the report with no bksb user" in choice
    job = Job.objects.get(kind=KIND)
    assert list(job.items.values_list("subject", flat=True)) == ["L000704"]
    assert len(sandbox.created_users()) == 1
    window = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Left out" not in window  # nothing left to leave out: the report offered only Nina


def test_the_jobs_window_names_each_record_left_out_with_a_link_to_review_it(
    sandbox, population, client, admin_user, django_capture_on_commit_callbacks
):
    from bksb_integration.creation.users_job import bksb_users_create_start

    ids = [population[key].pk for key in ("possible", "held", "earlier", "clean")]
    with django_capture_on_commit_callbacks(execute=True):
        job = bksb_users_create_start(learner_ids=ids, started_by=admin_user)
    client.force_login(admin_user)

    window = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert "Left out: bksb may know them already (3)" in window
    assert "L000701: found <strong>priya.shah</strong>" in window
    assert f'href="/learners/{population["possible"].pk}/bksb/">Review the match for L000701</a>' in window
    earlier_run = Job.objects.exclude(kind=KIND).get()
    assert f'href="/management/bksb/match/{earlier_run.pk}/">Review the match for L000703</a>' in window
    assert len(sandbox.created_users()) == 1


def test_automatic_creation_creates_no_user_for_them_and_leaves_them_to_a_person(
    sandbox, population, django_capture_on_commit_callbacks
):
    settings = BksbSettings.load()
    settings.auto_create_users = True
    settings.save()

    with django_capture_on_commit_callbacks(execute=True):
        job = auto_create_start(reason="a test")
    assert job is not None
    job.refresh_from_db()

    outcomes = dict(job.items.values_list("subject", "outcome"))
    assert outcomes == {
        "L000701": FOUND_IN_BKSB,
        "L000702": FOUND_IN_BKSB,
        "L000703": FOUND_IN_BKSB,
        "L000704": "created",
    }
    assert len(sandbox.created_users()) == 1
    # Left to a person: the next automatic run does not try them again.
    rows = UserCreationRequest.objects.filter(learner__learner_ref__in=["L000701", "L000702", "L000703"])
    assert {row.status for row in rows} == {UserCreationRequest.Status.REFUSED}
    with django_capture_on_commit_callbacks(execute=True):
        assert auto_create_start(reason="a test again") is None


def test_create_user_for_one_record_shows_what_matching_found_and_asks_first(
    sandbox, population, client, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bksb_match_start(learner_ids=[population["possible"].pk], started_by=None)
    client.force_login(admin_user)
    url = reverse("bksb:create_user", args=[population["possible"].pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {"username": "pshah701", "email": "ps7@example.ac.uk"})
    confirmed = client.post(
        url, {"username": "pshah701", "email": "ps7@example.ac.uk", "none_is_this_learner": "yes"}, follow=True
    )

    assert "Found in bksb: review the match" in page
    assert f"<strong>priya.shah</strong> (bksb user {population['ids'][0]}): possible match" in page
    assert "Link to priya.shah instead" in page
    assert refused.status_code == 400
    assert "confirm that none is this learner before creating a new one" in refused.content.decode()
    assert confirmed.status_code == 200
    assert _created_names(sandbox) == ["pshah701"]
