"""Matching a population against the sandbox over a real socket: every strong match found, nothing unrelated
proposed, nothing linked without a person confirming, and a second run the same day asks bksb nothing."""

from __future__ import annotations

import pytest

from bksb_integration.matching.match_job import bksb_match_start, unlinked_ids
from bksb_integration.models import BksbLink, MatchSuggestion
from jobs.models import Job
from learners.models import Learner
from tests.factories import LearnerFactory, WebUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]


@pytest.fixture
def population(sandbox):
    """Records, and bksb users named after their email, web user, reference, first.last, or nothing of theirs."""
    by_email = LearnerFactory(first_name="Amy", last_name="Adams", email="amy.adams@college.ac.uk", learner_ref="P001")
    by_web = WebUserFactory(
        learner__first_name="Ben", learner__last_name="Wright", learner__email="", user__username="bwright7"
    ).learner
    by_ref = LearnerFactory(first_name="Cal", last_name="Cole", email="", learner_ref="P003")
    by_name = LearnerFactory(first_name="Dan", last_name="Drake", email="dd99@mail.test", learner_ref="P004")
    unrelated = LearnerFactory(first_name="Eve", last_name="Evans", email="eve@college.ac.uk", learner_ref="P005")
    ids = sandbox.place_users(
        [
            {"Username": "amy.adams@college.ac.uk"},
            {"Username": "bwright7"},
            {"Username": "P003"},
            {"Username": "dan.drake"},
            {"Username": "evie.e"},  # Eve's own bksb user, under a name nothing on her record gives
            {"Username": "ann.other"},
        ]
    )
    users = {u["Username"]: u["UserId"] for u in ids}
    return {
        "records": {"email": by_email, "web": by_web, "ref": by_ref, "name": by_name, "unrelated": unrelated},
        "users": users,
    }


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def start(ids: list[int]) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = bksb_match_start(learner_ids=ids, started_by=None)
        job.refresh_from_db()
        return job

    return start


def _found(job: Job) -> dict[int, list[tuple[str, int, str, bool]]]:
    found: dict[int, list[tuple[str, int, str, bool]]] = {}
    for s in MatchSuggestion.objects.filter(job=job).order_by("learner_id", "position"):
        found.setdefault(s.learner_id, []).append((s.username, s.bksb_user_id, s.strength, s.preselected))
    return found


def test_every_strong_match_is_found_and_nothing_unrelated_proposed(sandbox, population, run):
    records, users = population["records"], population["users"]

    job = run(unlinked_ids())

    assert job.status == Job.Status.SUCCEEDED
    assert _found(job) == {
        records["email"].pk: [("amy.adams@college.ac.uk", users["amy.adams@college.ac.uk"], "strong", True)],
        records["web"].pk: [("bwright7", users["bwright7"], "strong", True)],
        records["ref"].pk: [("P003", users["P003"], "possible", False)],
        records["name"].pk: [("dan.drake", users["dan.drake"], "possible", False)],
    }
    assert not Learner.objects.filter(bksb_user=True).exists()
    assert not BksbLink.objects.filter(bksb_user_id__isnull=False).exists()


def test_requests_are_counted_and_not_repeated_the_same_day(sandbox, population, run):
    sandbox.reset_stats()
    first = run(unlinked_ids())
    asked = sandbox.stats()["by_path"]
    second = run(unlinked_ids())

    assert first.totals["requests"] == sum(asked.values()) > 0
    assert set(asked) == {"getUserId"}
    assert first.totals["requests"] <= 8 * 5
    assert second.totals["requests"] == 0
    assert sandbox.stats()["by_path"] == asked
