"""Get Results when bksb is slow, down or refuses the key: waiting keeps claims, down pauses, a refused key stops."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator

import pytest
import responses
import time_machine
from django.utils import timezone

from bksb_integration.api.types import NoThrottle
from bksb_integration.models import BksbSettings, Run, RunLearner
from bksb_integration.sync import breaker, download
from bksb_integration.sync.budget import FileTokenBucket
from bksb_integration.sync.download import NOT_CLAIMED, run_learners_download
from bksb_integration.sync.get_results import get_results_plan, get_results_resume, get_results_start, runs_sweep
from bksb_integration.sync.progress import run_progress, run_stall
from bksb_integration.sync.runs import UNAVAILABLE, run_stop
from jobs import lease
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

URL = "https://bksb.example.test/"
USER_ID = re.compile(rf"{URL}api/users/user/getUserId.*")
INITIAL = re.compile(rf"{URL}api/results/initialAssessment/\d+/all.*")
DIAGNOSTIC = re.compile(rf"{URL}api/results/diagnosticAssessment/\d+/all.*")
PROBE = re.compile(rf"{URL}api/users/isUsernameExists.*")
EMPTY = {"Pagination": {"CurrentPage": 1, "TotalRecords": 0, "RecordsPerPage": 100}}


@pytest.fixture
def bksb() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def switched_on() -> None:
    settings = BksbSettings.load()
    settings.integration_enabled, settings.api_url, settings.access_key_id = True, URL, "k"
    settings.secret_access_key = "s"
    settings.save()


def _get_results(count: int) -> tuple[Run, list[int]]:
    for n in range(count):
        LearnerFactory(bksb_user=True, bksb_username=f"learner.{n}")
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    get_results_plan(run_id=run.pk, enqueue=False)
    return run, list(RunLearner.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))


def _answers(bksb: responses.RequestsMock) -> None:
    bksb.get(USER_ID, body="2100001")
    bksb.get(INITIAL, json={"InitialAssessmentResults": [], **EMPTY})
    bksb.get(DIAGNOSTIC, json={"DiagnosticAssessmentResults": [], **EMPTY})


def test_a_worker_waiting_out_a_long_retry_after_keeps_its_learner_and_nothing_is_doubled(bksb, monkeypatch, tmp_path):
    """Waits of minutes (Retry-After, the shared pause after a 429) renew the claim and lease.

    While the worker waits, the sweeper runs and another worker tries the same
    learner: neither takes it, and the run counts it once.
    """
    bucket = FileTokenBucket(tmp_path / "bucket.json", rate=100)
    monkeypatch.setattr(download, "shared_throttle", lambda **_: bucket)
    bksb.get(USER_ID, body="2100001")
    bksb.get(INITIAL, status=429, headers={"Retry-After": "200"}, body="slow down")
    bksb.get(INITIAL, json={"InitialAssessmentResults": [], **EMPTY})
    bksb.get(DIAGNOSTIC, json={"DiagnosticAssessmentResults": [], **EMPTY})
    run, ids = _get_results(1)
    rivals: list[str] = []
    requeued: list[int] = []

    with time_machine.travel(timezone.now(), tick=False) as clock:

        def nap(seconds: float) -> None:
            clock.shift(seconds)
            if not rivals and timezone.now() > run.created_at + dt.timedelta(minutes=3):
                requeued.append(runs_sweep())
                rivals.append(run_learners_download(run_id=run.pk, run_learner_ids=ids)[ids[0]])

        monkeypatch.setattr(lease, "nap", nap)
        outcome = run_learners_download(run_id=run.pk, run_learner_ids=ids)[ids[0]]

    assert outcome == "succeeded"
    assert rivals == [NOT_CLAIMED]
    assert requeued == [0]
    run.refresh_from_db()
    assert (run.status, run.learners_done, run.learners_failed) == (Run.Status.SUCCEEDED, 1, 0)
    assert RunLearner.objects.get(pk=ids[0]).attempts == 1


def test_bksb_down_pauses_the_run_after_five_learners_and_leaves_the_rest_untried(bksb, monkeypatch):
    monkeypatch.setattr(download, "shared_throttle", lambda **_: NoThrottle())
    monkeypatch.setattr(lease, "nap", lambda seconds: None)
    probes: list[int] = []
    monkeypatch.setattr(breaker, "get_results_probe_queue", lambda run_id, **_: probes.append(run_id))
    bksb.get(USER_ID, status=503, body="down for maintenance")
    run, ids = _get_results(12)

    first = run_learners_download(run_id=run.pk, run_learner_ids=ids[:10])
    later = run_learners_download(run_id=run.pk, run_learner_ids=ids[10:])

    assert list(first.values()) == ["failed"] * 4 + ["paused"] + [NOT_CLAIMED] * 5
    assert set(later.values()) == {NOT_CLAIMED}  # nobody claims a paused run's learners
    assert probes == [run.pk]
    run.refresh_from_db()
    assert run.is_paused
    assert (run.learners_done, run.learners_failed) == (5, 5)
    assert RunLearner.objects.filter(run=run, status=RunLearner.Status.PENDING).count() == 7
    assert run_stall(run) is None
    assert run_progress(run).label.startswith("Paused: bksb is not answering.")


def test_a_paused_run_resumes_when_bksb_answers_again(bksb, monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr(breaker, "run_learners_download_queue", lambda run_id, ids: queued.append(ids))
    run, ids = _get_results(3)
    Run.objects.filter(pk=run.pk).update(
        paused_at=timezone.now(), paused_until=timezone.now(), transport_failures=5, stage=Run.Stage.PAUSED
    )
    bksb.get(PROBE, body="false")

    assert breaker.run_probe(run_id=run.pk) == "resumed"

    run.refresh_from_db()
    assert (run.paused_until, run.transport_failures, run.stage) == (None, 0, Run.Stage.DOWNLOADING)
    assert queued == [ids]


def test_a_run_paused_too_long_stops_as_bksb_unavailable_and_resume_tries_the_rest(
    bksb, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(breaker, "get_results_probe_queue", lambda run_id, **_: None)
    run, ids = _get_results(3)
    long_ago = timezone.now() - dt.timedelta(minutes=20)
    Run.objects.filter(pk=run.pk).update(paused_at=long_ago, paused_until=timezone.now(), stage=Run.Stage.PAUSED)
    bksb.get(PROBE, status=503, body="still down")

    assert breaker.run_probe(run_id=run.pk) == "stopped"

    run.refresh_from_db()
    assert (run.status, run.learners_not_tried) == (Run.Status.STOPPED, 3)
    assert run_progress(run).label == "Stopped: bksb unavailable. Resume when bksb answers again."
    assert set(RunLearner.objects.filter(run=run).values_list("status", flat=True)) == {"not_tried"}

    queued: list[list[int]] = []
    monkeypatch.setattr(
        "bksb_integration.sync.get_results.run_learners_download_queue", lambda run_id, ids: queued.append(ids)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert get_results_resume(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.finished_at, run.learners_not_tried) == (Run.Status.RUNNING, None, 0)
    assert queued == [ids]


def test_a_refused_key_stops_the_run_at_once_instead_of_trying_every_learner(bksb, monkeypatch):
    monkeypatch.setattr(download, "shared_throttle", lambda **_: NoThrottle())
    bksb.get(USER_ID, status=401, body="Unauthorized")
    run, ids = _get_results(8)

    outcomes = run_learners_download(run_id=run.pk, run_learner_ids=ids)

    assert list(outcomes.values()) == ["stopped"] + [NOT_CLAIMED] * 7
    assert len(bksb.calls) == 1
    run.refresh_from_db()
    assert (run.status, run.learners_failed, run.learners_not_tried) == (Run.Status.STOPPED, 0, 8)
    assert run.message.startswith("Stopped: bksb refused the key.")
    assert run_learners_download(run_id=run.pk, run_learner_ids=ids) == dict.fromkeys(ids, NOT_CLAIMED)


def test_management_says_a_run_stopped_because_bksb_was_unavailable_and_resumes_it(
    client, manager, monkeypatch, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from bksb_integration.sync.runs import UNAVAILABLE, run_stop

    queued: list[list[int]] = []
    monkeypatch.setattr(
        "bksb_integration.sync.get_results.run_learners_download_queue", lambda run_id, ids: queued.append(ids)
    )
    run, ids = _get_results(2)
    run_stop(run_id=run.pk, reason=UNAVAILABLE)
    client.force_login(manager)

    panel = client.get(reverse("bksb:management")).content.decode()
    assert "Stopped: bksb unavailable. Resume when bksb answers again." in panel
    assert "Tries the 2 learners this run did not reach." in panel

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bksb:get_results_resume", args=[run.pk]), follow=True)
    assert "Get Results resumed" in response.content.decode()
    run.refresh_from_db()
    assert run.status == Run.Status.RUNNING
    assert sorted(pk for batch in queued for pk in batch) == ids


def test_while_a_worker_waits_on_one_learner_the_rest_of_its_chunk_stays_its_own(bksb, monkeypatch, tmp_path):
    """Every learner the worker holds is renewed, not only the one it is on."""
    bucket = FileTokenBucket(tmp_path / "bucket.json", rate=100)
    monkeypatch.setattr(download, "shared_throttle", lambda **_: bucket)
    bksb.get(USER_ID, body="2100001")
    bksb.get(INITIAL, status=429, headers={"Retry-After": "200"}, body="slow down")
    bksb.get(INITIAL, json={"InitialAssessmentResults": [], **EMPTY})
    bksb.get(USER_ID, body="2100002")
    bksb.get(DIAGNOSTIC, json={"DiagnosticAssessmentResults": [], **EMPTY})
    run, ids = _get_results(2)
    rivals: list[dict[int, str]] = []

    with time_machine.travel(timezone.now(), tick=False) as clock:

        def nap(seconds: float) -> None:
            clock.shift(seconds)
            if not rivals and timezone.now() > run.created_at + dt.timedelta(minutes=3):
                runs_sweep()
                rivals.append(run_learners_download(run_id=run.pk, run_learner_ids=[ids[1]]))

        monkeypatch.setattr(lease, "nap", nap)
        outcomes = run_learners_download(run_id=run.pk, run_learner_ids=ids)

    assert rivals == [{ids[1]: NOT_CLAIMED}]
    assert outcomes == dict.fromkeys(ids, "succeeded")
    run.refresh_from_db()
    assert (run.status, run.learners_done) == (Run.Status.SUCCEEDED, 2)


def test_a_worker_that_lost_its_claim_stores_nothing(bksb, monkeypatch):
    monkeypatch.setattr(download, "shared_throttle", lambda **_: NoThrottle())
    _answers(bksb)
    run, ids = _get_results(1)
    store = download._store

    def taken_over_meanwhile(plan, pages):  # another worker claimed the learner after this one looked dead
        RunLearner.objects.filter(pk=ids[0]).update(claim_token=12345)
        return store(plan, pages)

    monkeypatch.setattr(download, "_store", taken_over_meanwhile)
    link_before = RunLearner.objects.get(pk=ids[0]).learner.bksb_link

    assert run_learners_download(run_id=run.pk, run_learner_ids=ids) == {ids[0]: NOT_CLAIMED}
    link = RunLearner.objects.get(pk=ids[0]).learner.bksb_link
    assert (link.last_outcome, link.last_download_at) == (link_before.last_outcome, None)
    run.refresh_from_db()
    assert run.learners_done == 0


def test_a_run_stopped_while_it_was_being_planned_stays_stopped_and_counts_every_untried_learner():
    for n in range(3):
        LearnerFactory(bksb_user=True, bksb_username=f"learner.{n}")
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.SCHEDULED, queue=False)
    run_stop(run_id=run.pk, reason=UNAVAILABLE)  # the first chunk met a refused key before planning ended

    get_results_plan(run_id=run.pk, enqueue=False)

    run.refresh_from_db()
    assert (run.status, run.learners_total, run.learners_not_tried) == (Run.Status.STOPPED, 3, 3)


def test_after_a_429_those_who_ask_during_the_pause_are_spaced_out_after_it(tmp_path):
    bucket = FileTokenBucket(tmp_path / "bucket.json", rate=10)
    bucket.penalise(1.0)
    waits = [bucket.take() for _ in range(3)]
    assert waits[0] == pytest.approx(1.1, abs=0.05)
    # Each wait is counted from its own moment of asking, a few ms apart on a busy machine.
    spacings = [later - earlier for earlier, later in itertools.pairwise(waits)]
    assert spacings == [pytest.approx(0.1, abs=0.02)] * 2


def test_a_learner_deleted_mid_run_does_not_keep_the_run_open(bksb, monkeypatch):
    monkeypatch.setattr(download, "shared_throttle", lambda **_: NoThrottle())
    _answers(bksb)
    run, ids = _get_results(3)
    run_learners_download(run_id=run.pk, run_learner_ids=ids[:2])
    RunLearner.objects.get(pk=ids[2]).learner.delete()
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))

    runs_sweep()

    run.refresh_from_db()
    assert run.finished_at is not None
    assert (run.learners_total, run.learners_done) == (2, 2)


def test_a_long_plan_that_is_still_moving_is_not_planned_twice(monkeypatch):
    planned: list[int] = []
    monkeypatch.setattr("bksb_integration.sync.get_results.get_results_plan_queue", planned.append)
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    moving = Run.objects.create(kind=Run.Kind.GET_RESULTS, heartbeat_at=timezone.now())
    lost = Run.objects.create(kind=Run.Kind.GET_RESULTS, heartbeat_at=long_ago)
    Run.objects.filter(pk__in=[moving.pk, lost.pk]).update(created_at=long_ago)

    runs_sweep()

    assert planned == [lost.pk]
