"""The watch list against the sandbox: polled only within hours, at the cost of what is awaited,
and dropped once a record's English and maths initial assessments are in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bksb_integration.models import (
    BksbSettings,
    InitialAssessmentResult,
    Invite,
    Run,
    RunLearner,
    UserCreationRequest,
    WatchEntry,
)
from bksb_integration.sync import download
from bksb_integration.sync.watch import (
    MANUAL_RUNNING,
    NONE_DUE,
    OUTSIDE_HOURS,
    PREVIOUS_STILL_RUNNING,
    watch_add,
    watch_list_refresh,
    watch_pass_start,
    watch_stop,
    within_hours,
)
from tests.support import last_download, learner_download, linked_learner

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True, fast_clients=True)]

UK = ZoneInfo("Europe/London")
SESSIONS = "getAssessmentSessionsForCourseV5"
EOA = "GetEOAReportDataForAssessmentSessionV5"
RESULT_LISTS = ("initialAssessment", "diagnosticAssessment")


def _new_starter(sandbox, username: str = "new.starter"):
    """A learner whose bksb user was just made: no assessment taken yet."""
    sandbox.store.create_user(
        {"Username": username, "Firstname": "New", "Lastname": "Starter", "Email": "n@example.test"}
    )
    return linked_learner(username)


def _pass(sandbox, *, now: dt.datetime | None = None) -> tuple[Run | None, dict[str, int]]:
    """One watch pass, its learners downloaded here; with the calls bksb saw."""
    sandbox.reset_stats()
    started = watch_pass_start(now=now or timezone.now(), queue=False, force=True)
    if started.run is not None:
        parts = list(started.run.learners.order_by("pk").values_list("pk", flat=True))
        download.run_learners_download(run_id=started.run.pk, run_learner_ids=parts)
        started.run.refresh_from_db()
    return started.run, dict(sandbox.stats()["by_path"])


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.now().astimezone(UK).replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_the_watch_list_is_polled_only_within_the_watch_hours(sandbox):
    watch_add(learner=_new_starter(sandbox), by=None)

    for outside in (_at(7, 59), _at(18, 0), _at(23, 30)):
        started = watch_pass_start(now=outside, queue=False)
        assert (started.run, started.reason) == (None, OUTSIDE_HOURS)
    started = watch_pass_start(now=_at(8, 0), queue=False)

    assert started.run is not None
    assert (started.run.kind, started.run.learners_total) == (Run.Kind.WATCH, 1)


def test_watch_hours_may_span_midnight():
    settings = BksbSettings(watch_hours_start=dt.time(22, 0), watch_hours_end=dt.time(2, 0))

    assert within_hours(_at(23, 0), settings)
    assert within_hours(_at(1, 59), settings)
    assert not within_hours(_at(2, 0), settings)
    assert not within_hours(_at(12, 0), settings)


def test_a_record_is_polled_every_m_minutes_and_dropped_once_both_initial_assessments_are_in(sandbox):
    learner = _new_starter(sandbox)
    watch_add(learner=learner, by=None)
    sandbox.start_session("new.starter", "ENG_NEW", finish_after=0, result="English Entry 3")
    sandbox.start_session("new.starter", "MATHS_NEW", finish_after=1, result="Maths Level 1")
    now = timezone.now()

    run, calls = _pass(sandbox, now=now)

    assert run is not None
    assert run.status == Run.Status.SUCCEEDED
    # The user's id; both subjects' sessions; the first download's results; the finished English session's skills.
    assert calls == {"getUserId": 1, SESSIONS: 2, "initialAssessment": 1, "diagnosticAssessment": 1, EOA: 1}
    assert (run.session_requests, run.eoa_requests, run.requests_made) == (2, 1, 6)
    assert InitialAssessmentResult.objects.filter(learner=learner, subject="english").exists()
    entry = WatchEntry.objects.get(learner=learner)
    assert entry.is_watched
    assert entry.last_polled_at is not None

    early, calls = _pass(sandbox, now=now + dt.timedelta(minutes=5))
    assert (early, calls) == (None, {})

    run, calls = _pass(sandbox, now=now + dt.timedelta(minutes=10))

    # Maths only (English is in); maths has just finished, so its result is read, and its skills.
    assert run is not None
    assert calls == {SESSIONS: 1, "initialAssessment": 1, "diagnosticAssessment": 1, EOA: 1}
    assert InitialAssessmentResult.objects.filter(learner=learner, subject="maths").exists()
    entry.refresh_from_db()
    assert (entry.is_watched, entry.end_reason) == (False, WatchEntry.EndReason.RESULTS_IN)
    later = watch_pass_start(now=now + dt.timedelta(minutes=30), queue=False, force=True)
    assert (later.run, later.reason) == (None, NONE_DUE)


def test_a_poll_with_nothing_finished_reads_only_the_awaited_sessions(sandbox):
    learner = _new_starter(sandbox)
    learner_download(learner=learner, client=_client())
    downloaded = last_download(learner)
    sandbox.start_session("new.starter", "MATHS_NEW", finish_after=5)
    watch_add(learner=learner, by=None)

    run, calls = _pass(sandbox)

    assert calls == {SESSIONS: 2}
    assert run is not None
    assert run.requests_made == 2
    assert last_download(learner) == downloaded  # the results were not read: their mark stays
    assert learner.bksb_sessions.get().completed_at is None


def test_records_created_or_invited_lately_are_watched_and_a_finished_watch_is_not_restarted(sandbox):
    created, invited, long_ago, done = (linked_learner(f"demo.learner000{n}") for n in (1, 3, 4, 5))
    UserCreationRequest.objects.create(
        learner=created, username="demo.learner0001", email="a@example.test", status=UserCreationRequest.Status.CREATED
    )
    for learner in (invited, long_ago, done):
        Invite.objects.create(learner=learner, email="b@example.test", username="x")
    Invite.objects.filter(learner=long_ago).update(sent_at=timezone.now() - dt.timedelta(days=15))
    WatchEntry.objects.create(
        learner=done,
        reason=WatchEntry.Reason.INVITED,
        since=timezone.now(),
        ended_at=timezone.now(),
        end_reason="results_in",
    )

    added, _ = watch_list_refresh(now=timezone.now(), settings=BksbSettings.load())

    assert added == 2
    reasons = dict(WatchEntry.objects.filter(ended_at__isnull=True).values_list("learner_id", "reason"))
    assert reasons == {created.pk: WatchEntry.Reason.CREATED, invited.pk: WatchEntry.Reason.INVITED}


def test_a_watch_ends_after_n_days_and_can_be_stopped_by_hand(sandbox):
    old, stopped = linked_learner("demo.learner0001"), linked_learner("demo.learner0003")
    watch_add(learner=old, by=None, now=timezone.now() - dt.timedelta(days=15))
    watch_add(learner=stopped, by=None)

    assert watch_stop(learner=stopped) is True
    assert watch_stop(learner=stopped) is False
    _, ended = watch_list_refresh(now=timezone.now(), settings=BksbSettings.load())

    assert ended == 1
    assert WatchEntry.objects.get(learner=old).end_reason == WatchEntry.EndReason.EXPIRED
    assert WatchEntry.objects.get(learner=stopped).end_reason == WatchEntry.EndReason.BY_HAND


def test_a_pass_waits_while_staff_wait_on_a_manual_download(sandbox):
    learner = _new_starter(sandbox)
    watch_add(learner=learner, by=None)
    manual = Run.objects.create(kind=Run.Kind.BKSB_RESULTS, trigger=Run.Trigger.MANUAL)
    RunLearner.objects.create(run=manual, learner=learner)

    started = watch_pass_start(now=_at(9), queue=False)

    assert (started.run, started.reason) == (None, MANUAL_RUNNING)


def _client():
    from bksb_integration.config.connection import client_for

    return client_for()


def test_passes_are_kept_for_a_day(sandbox):
    watch_add(learner=_new_starter(sandbox), by=None)
    old = Run.objects.create(
        kind=Run.Kind.WATCH, status=Run.Status.SUCCEEDED, finished_at=timezone.now() - dt.timedelta(days=2)
    )
    recent = Run.objects.create(kind=Run.Kind.WATCH, status=Run.Status.SUCCEEDED, finished_at=timezone.now())
    nightly = Run.objects.create(kind=Run.Kind.GET_RESULTS, finished_at=timezone.now() - dt.timedelta(days=2))

    watch_pass_start(now=_at(9), queue=False)

    assert set(Run.objects.filter(pk__in=[old.pk, recent.pk, nightly.pk]).values_list("pk", flat=True)) == {
        recent.pk,
        nightly.pk,
    }


def test_a_pass_waits_for_the_last_one_unless_it_stalled(sandbox):
    watch_add(learner=_new_starter(sandbox), by=None)
    last = Run.objects.create(kind=Run.Kind.WATCH, status=Run.Status.RUNNING, heartbeat_at=timezone.now())

    assert watch_pass_start(now=_at(9), queue=False).reason == PREVIOUS_STILL_RUNNING
    Run.objects.filter(pk=last.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=20))
    assert watch_pass_start(now=_at(9), queue=False).run is not None


def test_a_pass_under_way_steps_aside_while_staff_wait_on_a_manual_download(sandbox):
    learner = _new_starter(sandbox)
    watch_add(learner=learner, by=None)
    started = watch_pass_start(now=_at(9), queue=False)
    assert started.run is not None
    parts = list(started.run.learners.values_list("pk", flat=True))
    manual = Run.objects.create(kind=Run.Kind.BKSB_RESULTS, trigger=Run.Trigger.MANUAL)
    RunLearner.objects.create(run=manual, learner=linked_learner("demo.learner0001"))
    sandbox.reset_stats()

    outcomes = download.run_learners_download(run_id=started.run.pk, run_learner_ids=parts)

    assert set(outcomes.values()) == {download.YIELDED}
    assert sandbox.stats()["requests"] == 0
    assert set(started.run.learners.values_list("status", flat=True)) == {RunLearner.Status.PENDING}
    Run.objects.filter(pk=manual.pk).update(finished_at=timezone.now(), status=Run.Status.SUCCEEDED)

    outcomes = download.run_learners_download(run_id=started.run.pk, run_learner_ids=parts)

    assert set(outcomes.values()) == {download.SUCCEEDED}
    assert WatchEntry.objects.get(learner=learner).last_polled_at is not None


def test_a_record_invited_again_after_its_watch_ended_is_watched_again(sandbox):
    expired, done = linked_learner("demo.learner0001"), linked_learner("demo.learner0003")
    long_ago = timezone.now() - dt.timedelta(days=20)
    for learner, reason in ((expired, WatchEntry.EndReason.EXPIRED), (done, WatchEntry.EndReason.RESULTS_IN)):
        WatchEntry.objects.create(
            learner=learner, reason=WatchEntry.Reason.INVITED, since=long_ago, ended_at=long_ago, end_reason=reason
        )
        Invite.objects.create(learner=learner, email="c@example.test", username="x")

    added, _ = watch_list_refresh(now=timezone.now(), settings=BksbSettings.load())

    assert added == 0
    assert WatchEntry.objects.get(learner=expired).is_watched
    assert not WatchEntry.objects.get(learner=done).is_watched
