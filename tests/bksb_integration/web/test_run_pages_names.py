"""Management > BKSB, History, a run's page and its window name learners only to staff with View learners."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from bksb_integration.models import Run, RunLearner
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

NAME, REF = "Zanele Okonkwo-Pryce", "Q000917"


@pytest.fixture
def runs():
    learner = LearnerFactory(first_name="Zanele", last_name="Okonkwo-Pryce", learner_ref=REF)
    now = timezone.now()
    run = Run.objects.create(
        kind=Run.Kind.GET_RESULTS,
        status=Run.Status.PARTIAL,
        finished_at=now,
        learners_total=1,
        learners_done=1,
        learners_failed=1,
    )
    RunLearner.objects.create(
        run=run, learner=learner, status=RunLearner.Status.FAILED, error="timed out", finished_at=now
    )
    single = Run.objects.create(kind=Run.Kind.BKSB_RESULTS, status=Run.Status.SUCCEEDED, finished_at=now)
    RunLearner.objects.create(run=single, learner=learner, status=RunLearner.Status.SUCCEEDED, finished_at=now)
    return run, single


def _pages(runs) -> list[str]:
    run, single = runs
    return [
        reverse("bksb:management"),
        reverse("bksb:run_panel"),
        reverse("bksb:history"),
        reverse("bksb:run_detail", args=[run.pk]),
        reverse("bksb:run_detail", args=[single.pk]),
        reverse("jobs:status", args=["run", run.pk]),
    ]


def test_without_view_learners_run_pages_name_no_learner(client, staff_with, runs):
    client.force_login(staff_with("bksb_module", "get_all_bksb_results"))
    for url in _pages(runs):
        page = client.get(url).content.decode()
        assert NAME not in page, url
        assert REF not in page, url
    failed = client.get(reverse("bksb:run_detail", args=[runs[0].pk])).content.decode()
    assert "timed out" in failed
    assert "Not shown (needs View learners)" in failed
    window = client.get(reverse("jobs:status", args=["run", runs[0].pk])).content.decode()
    assert "A learner: timed out" in window
    assert "Names are shown to those with View learners." in window


def test_with_view_learners_the_same_pages_name_them(client, staff_with, runs):
    client.force_login(staff_with("bksb_module", "get_all_bksb_results", "view_learners"))
    shown = "".join(client.get(url).content.decode() for url in _pages(runs))
    assert NAME in shown
    assert REF in shown
