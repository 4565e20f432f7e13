"""Get Results for a selection of the learner list: ticked records, or all matching a filter, in one run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bksb_integration.models import Run, RunLearner
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import linked_learners, stored_results

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "bksb:get_results_selection"


def _post(client, data, capture):
    with capture(execute=True):
        return client.post(reverse(URL), data, **HTMX)


def _downloaded(learners: list[Learner]) -> set[int]:
    return {learner.pk for learner in learners if sum(stored_results(learner))}


def test_get_results_for_ticked_records_downloads_exactly_those(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    learners = linked_learners(range(1, 7))
    ticked = learners[:3]
    client.force_login(manager)
    response = _post(client, {"learner": [str(learner.pk) for learner in ticked]}, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Get Results for 3 ticked records" in page
    run = Run.objects.get()
    assert run.kind == Run.Kind.GET_RESULTS
    assert run.status == Run.Status.SUCCEEDED
    assert set(RunLearner.objects.filter(run=run).values_list("learner_id", flat=True)) == {
        learner.pk for learner in ticked
    }
    assert _downloaded(learners) == {learner.pk for learner in ticked}
    assert run.scope_label == "Selected learners: 3 ticked records"


def test_all_matching_this_filter_downloads_the_records_the_filter_selects_now(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    september = linked_learners(range(1, 4), start_date=dt.date(2026, 9, 7))
    earlier = linked_learners(range(4, 6), start_date=dt.date(2025, 9, 1))
    client.force_login(manager)
    data = {"scope": "all_matching", "start_from": "2026-09-01", "start_to": "2026-09-30", "learner": []}
    response = _post(client, data, django_capture_on_commit_callbacks)

    assert "all 3 records matching a filter of the learner list" in response.content.decode()
    assert _downloaded(september + earlier) == {learner.pk for learner in september}


def test_selected_records_that_cannot_be_downloaded_are_skipped_with_their_reason(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    good = linked_learners([7])
    not_ticked = LearnerFactory(bksb_user=False)
    no_name = LearnerFactory(bksb_user=True, bksb_username="")
    client.force_login(manager)
    ids = [str(learner.pk) for learner in (*good, not_ticked, no_name)]
    _post(client, {"learner": ids}, django_capture_on_commit_callbacks)

    run = Run.objects.get()
    assert (run.learners_total, run.learners_skipped) == (1, 2)
    assert run.skipped_reasons == {"not_bksb_user": 1, "no_username": 1}
    window = client.get(reverse("jobs:status", args=["run", run.pk])).content.decode()
    assert "Not a BKSB User (selected, but BKSB User is not ticked)" in window


def test_a_selection_waits_its_turn_behind_the_get_results_running(client, manager, sandbox):
    running = Run.objects.create(
        kind=Run.Kind.GET_RESULTS, status=Run.Status.RUNNING, heartbeat_at=timezone.now(), stage=Run.Stage.DOWNLOADING
    )
    learner = linked_learners([8])[0]
    client.force_login(manager)
    response = client.post(reverse(URL), {"learner": [str(learner.pk)]}, **HTMX)

    assert "Get Results was already running: this window shows its progress." in response.content.decode()
    assert list(Run.objects.values_list("pk", flat=True)) == [running.pk]


def test_nothing_selected_starts_nothing_and_says_so(client, manager, sandbox):
    client.force_login(manager)
    response = client.post(reverse(URL), {"learner": []}, follow=True)
    assert "Select the records to get results for" in response.content.decode()
    assert not Run.objects.exists()


def test_only_those_with_get_results_for_all_may_get_results_for_a_selection(client, tutor, sandbox, staff_with):
    learner = linked_learners([9])[0]
    for user in (tutor, staff_with("bksb_module", "get_bksb_results_for_all", username="no_records")):
        client.force_login(user)
        assert client.post(reverse(URL), {"learner": [str(learner.pk)]}).status_code == 403
    assert not Run.objects.exists()


def test_history_and_the_management_page_say_what_the_run_was_for(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    learner = linked_learners([10])[0]
    client.force_login(manager)
    _post(client, {"learner": [str(learner.pk)]}, django_capture_on_commit_callbacks)
    run = Run.objects.get()
    assert "Selected learners: 1 ticked record" in client.get(reverse("bksb:history")).content.decode()
    assert (
        "Selected learners: 1 ticked record" in client.get(reverse("bksb:run_detail", args=[run.pk])).content.decode()
    )
    assert (
        "Selected learners: 1 ticked record · started by manager1"
        in client.get(reverse("bksb:management")).content.decode()
    )
