"""Match learners as a background run: suggestions per record, pre-ticked ones, and linking only on confirmation."""

from __future__ import annotations

import functools

import pytest

from bksb_integration.matching.links_job import match_links_start
from bksb_integration.matching.match_job import bksb_match_start, unlinked_ids
from bksb_integration.models import BksbLink, MatchSuggestion
from jobs.models import Job
from learners.models import Learner
from permissions.audit import audit_entries
from tests.factories import LearnerFactory, WebUserFactory
from tests.fakes import GET_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Start a matching run; the worker runs it (eagerly) once the start commits."""

    def start(ids: list[int], **options) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = bksb_match_start(learner_ids=ids, started_by=None, **options)
        job.refresh_from_db()
        return job

    return start


@pytest.fixture
def link_run(django_capture_on_commit_callbacks):
    def start(job: Job, ids: list[int], by=None) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            linking = match_links_start(run=job, suggestion_ids=ids, started_by=by)
        linking.refresh_from_db()
        return linking

    return start


def _suggestions(job: Job, learner: Learner) -> list[tuple[str, int, str, bool]]:
    rows = MatchSuggestion.objects.filter(job=job, learner=learner).order_by("position")
    return [(s.username, s.bksb_user_id, s.strength, s.preselected) for s in rows]


def test_a_run_suggests_existing_users_and_links_nothing(bksb, integration, run):
    by_email = LearnerFactory(first_name="Ann", last_name="Ash", email="ann.ash@example.ac.uk", learner_ref="R1")
    by_web = WebUserFactory(learner__first_name="Ben", learner__last_name="Bell", user__username="bbell").learner
    by_ref = LearnerFactory(first_name="Cy", last_name="Cole", email="", learner_ref="R3")
    nowhere = LearnerFactory(first_name="Di", last_name="Dunn", email="di@example.ac.uk", learner_ref="R4")
    bksb.users.update({"ann.ash@example.ac.uk": 11, "bbell": 12, "R3": 13})

    job = run([x.pk for x in (by_email, by_web, by_ref, nowhere)])

    assert job.status == Job.Status.SUCCEEDED
    assert _suggestions(job, by_email) == [("ann.ash@example.ac.uk", 11, "strong", True)]
    assert _suggestions(job, by_web) == [("bbell", 12, "strong", True)]
    assert _suggestions(job, by_ref) == [("R3", 13, "possible", False)]
    assert _suggestions(job, nowhere) == []
    assert not BksbLink.objects.filter(bksb_user_id__isnull=False).exists()
    assert not Learner.objects.filter(bksb_user=True).exists()
    assert job.totals["records_found"] == 3
    assert job.totals["requests"] == len([c for c in bksb.calls if c == "getUserId"])


def test_a_second_run_the_same_day_asks_bksb_nothing(bksb, integration, run):
    learners = [LearnerFactory() for _ in range(3)]
    bksb.users[learners[0].email] = 21

    first = run([x.pk for x in learners])
    asked = len(bksb.calls)
    second = run([x.pk for x in learners])

    assert first.totals["requests"] == asked > 0
    assert len(bksb.calls) == asked
    assert second.totals["requests"] == 0
    assert _suggestions(second, learners[0]) == [(learners[0].email, 21, "strong", True)]


def test_held_shared_and_multiple_suggestions_are_not_preticked(bksb, integration, run):
    holder = LearnerFactory(bksb_user=True, bksb_username="held.one")
    BksbLink.objects.create(learner=holder, bksb_user_id=31, resolved_username="held.one")
    held = LearnerFactory(email="held.one")
    twin_a = LearnerFactory(email="twin@example.ac.uk")
    twin_b = WebUserFactory(user__username="twin@example.ac.uk").learner
    two = LearnerFactory(first_name="Eve", last_name="Ng", email="eve@example.ac.uk", learner_ref="Z7")
    bksb.users.update({"held.one": 31, "twin@example.ac.uk": 32, "eve@example.ac.uk": 33, "eve.ng": 34})

    job = run([x.pk for x in (held, twin_a, twin_b, two)])

    held_row = MatchSuggestion.objects.get(job=job, learner=held)
    assert held_row.held_by == holder
    assert not held_row.preselected
    assert not MatchSuggestion.objects.get(job=job, learner=twin_a).preselected
    assert not MatchSuggestion.objects.get(job=job, learner=twin_b).preselected
    assert [s[:3] for s in _suggestions(job, two)] == [("eve@example.ac.uk", 33, "strong"), ("eve.ng", 34, "possible")]
    assert not any(s[3] for s in _suggestions(job, two))


def test_linked_records_are_not_looked_for(bksb, integration):
    linked = LearnerFactory(bksb_user=True, bksb_username="x")
    BksbLink.objects.create(learner=linked, bksb_user_id=5, resolved_username="x")
    unresolved = LearnerFactory(bksb_user=True, bksb_username="typo")
    plain = LearnerFactory()

    assert set(unlinked_ids()) == {unresolved.pk, plain.pk}


def test_link_selected_links_the_ticked_and_reports_one_taken_meanwhile(bksb, integration, run, link_run, manager):
    ann = LearnerFactory(email="ann@example.ac.uk", learner_ref="A1")
    bob = LearnerFactory(email="bob@example.ac.uk", learner_ref="B1")
    bksb.users.update({"ann@example.ac.uk": 41, "bob@example.ac.uk": 42})
    job = run([ann.pk, bob.pk])
    thief = LearnerFactory(bksb_user=True, bksb_username="bob@example.ac.uk")
    BksbLink.objects.create(learner=thief, bksb_user_id=42, resolved_username="bob@example.ac.uk")

    linking = link_run(job, list(MatchSuggestion.objects.filter(job=job).values_list("pk", flat=True)), by=manager)

    assert linking.status == Job.Status.PARTIAL
    ann.refresh_from_db()
    assert ann.bksb_user
    assert ann.bksb_username == "ann@example.ac.uk"
    assert ann.bksb_link.bksb_user_id == 41
    outcomes = {item.subject: (item.outcome, item.message) for item in linking.items.all()}
    assert outcomes["A1"][0] == "linked"
    assert outcomes["B1"][0] == "not_linked"
    assert "already linked to" in outcomes["B1"][1]
    assert not Learner.objects.get(pk=bob.pk).bksb_user
    notes = [(e.who, e.note) for e in audit_entries(source="learners") if e.what.startswith("Learner A1")]
    assert notes[0] == ("manager1", f"Matching run {job.pk}: confirmed on review")


def test_a_web_users_own_name_leaves_the_bksb_username_blank(bksb, integration, run, link_run):
    learner = WebUserFactory(user__username="cat.web").learner
    bksb.users["cat.web"] = 51
    job = run([learner.pk])

    link_run(job, list(MatchSuggestion.objects.filter(job=job).values_list("pk", flat=True)))

    learner.refresh_from_db()
    assert learner.bksb_user
    assert learner.bksb_username == ""
    assert learner.bksb_link.bksb_user_id == 51


def test_strong_unique_matches_are_linked_when_asked_and_attributed_to_the_run(bksb, integration, run):
    sure = LearnerFactory(email="sure@example.ac.uk", learner_ref="S1")
    maybe = LearnerFactory(first_name="Max", last_name="Moe", email="", learner_ref="S2")
    bksb.users.update({"sure@example.ac.uk": 61, "max.moe": 62})

    job = run([sure.pk, maybe.pk], link_strong_unique=True, trigger="nightly")

    assert job.totals["linked"] == 1
    assert Learner.objects.get(pk=sure.pk).bksb_link.bksb_user_id == 61
    assert not Learner.objects.get(pk=maybe.pk).bksb_user
    links = [e for e in audit_entries(source="links") if e.what == "Learner S1"]
    assert links[0].note == f"Matching run {job.pk}"
    assert links[0].who.startswith("system")


def test_a_run_stops_when_bksb_cannot_be_reached_and_try_again_carries_on(
    bksb_http, integration, run, django_capture_on_commit_callbacks
):
    from bksb_integration.api.client import BksbClient
    from bksb_integration.config import connection
    from jobs.services import job_resume
    from tests.fakes import FakeBksb

    learners = [LearnerFactory(email=f"down{n}@example.ac.uk") for n in range(2)]
    bksb_http.add(bksb_http.GET, GET_ID, status=503, body="Service Unavailable")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "BksbClient", functools.partial(BksbClient, max_retries=0, sleep=lambda _: None))
        job = run([x.pk for x in learners])

    assert job.status == Job.Status.FAILED
    assert "bksb could not be asked" in job.message
    assert job.done == 0
    assert not MatchSuggestion.objects.exists()

    bksb_http.reset()
    FakeBksb(bksb_http).install().users[learners[1].email] = 71
    with django_capture_on_commit_callbacks(execute=True):
        job_resume(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.done == 2
    assert _suggestions(job, learners[1]) == [(learners[1].email, 71, "strong", True)]
