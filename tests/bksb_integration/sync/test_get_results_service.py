"""Get Results for every eligible learner, at the service level: who is included, single flight,
runs over the sandbox, a killed worker, failures, a 429 storm, and pruning old history."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from bksb_integration.accounts.eligibility import eligible_learners, skipped_counts
from bksb_integration.models import BksbLink, BksbSettings, Run, RunLearner
from bksb_integration.sync.download import run_learner_download
from bksb_integration.sync.get_results import (
    get_results_active,
    get_results_plan,
    get_results_start,
    runs_prune,
    runs_sweep,
)
from learners.models import Kind, Learner, LearningStatus, SystemStatus
from tests.factories import LearnerFactory, WebUserFactory
from tests.fakes import running_sandbox
from tests.support import configure, expected_results, linked_learners, stored_results

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _eligible_ids(settings: BksbSettings | None = None) -> set[int]:
    settings = settings or BksbSettings.load()
    return set(eligible_learners(settings=settings, today=timezone.localdate()).values_list("pk", flat=True))


def _skipped(settings: BksbSettings | None = None) -> dict[str, int]:
    return skipped_counts(settings=settings or BksbSettings.load(), today=timezone.localdate())


def _bksb_user(**fields) -> Learner:
    fields.setdefault("bksb_username", "someone")
    return LearnerFactory(bksb_user=True, **fields)


# -- who is eligible --------------------------------------------------------------------------


@pytest.mark.parametrize(("system_status", "eligible"), [(SystemStatus.LIVE, True), (SystemStatus.ARCHIVED, False)])
def test_only_live_records_are_eligible(system_status, eligible):
    learner = _bksb_user(system_status=system_status)
    assert (learner.pk in _eligible_ids()) is eligible
    assert _skipped() == ({} if eligible else {"archived": 1})


@pytest.mark.parametrize(
    ("learning_status", "eligible"),
    [
        (LearningStatus.IN_LEARNING, True),
        (LearningStatus.COMPLETED, False),
        (LearningStatus.WITHDRAWN, False),
        (LearningStatus.BREAK_IN_LEARNING, False),
        (LearningStatus.TRANSFERRED, False),
    ],
)
def test_by_default_only_learners_in_learning_are_eligible(learning_status, eligible):
    learner = _bksb_user(learning_status=learning_status, end_date=None)
    assert (learner.pk in _eligible_ids()) is eligible
    assert _skipped() == ({} if eligible else {"not_in_learning": 1})


@time_machine.travel(dt.datetime(2026, 3, 15, 9, 0, tzinfo=LONDON), tick=False)
@pytest.mark.parametrize(("days_ago", "eligible"), [(0, True), (30, True), (31, True), (32, False), (400, False)])
def test_learners_who_ended_within_the_last_month_are_eligible(days_ago, eligible):
    today = dt.date(2026, 3, 15)
    assert timezone.localdate() == today
    learner = _bksb_user(learning_status=LearningStatus.COMPLETED, end_date=today - dt.timedelta(days=days_ago))
    assert (learner.pk in _eligible_ids()) is eligible


@time_machine.travel(dt.datetime(2026, 6, 15, 23, 30, tzinfo=dt.UTC), tick=False)
def test_a_get_results_run_counts_the_month_from_the_uk_date():
    # 23:30 UTC is already 16 June in the UK (BST).
    ended = _bksb_user(learning_status=LearningStatus.COMPLETED, end_date=dt.date(2026, 5, 16))  # 31 days
    too_old = _bksb_user(learning_status=LearningStatus.COMPLETED, end_date=dt.date(2026, 5, 15))  # 32 days
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    get_results_plan(run_id=run.pk, enqueue=False)
    planned = set(RunLearner.objects.filter(run=run).values_list("learner_id", flat=True))
    assert ended.pk in planned
    assert too_old.pk not in planned
    run.refresh_from_db()
    assert run.skipped_reasons == {"not_in_learning": 1}


def test_admins_can_widen_the_learning_statuses_and_the_end_date_window():
    on_break = _bksb_user(learning_status=LearningStatus.BREAK_IN_LEARNING)
    long_gone = _bksb_user(learning_status=LearningStatus.COMPLETED, end_date=timezone.localdate() - dt.timedelta(90))
    settings = BksbSettings.load()
    settings.eligible_learning_statuses = [LearningStatus.IN_LEARNING, LearningStatus.BREAK_IN_LEARNING]
    settings.eligible_end_within_days = 120
    settings.save()
    assert _eligible_ids() == {on_break.pk, long_gone.pk}


def test_admins_can_narrow_eligibility_to_ended_learners_only():
    in_learning = _bksb_user(learning_status=LearningStatus.IN_LEARNING, end_date=None)
    settings = BksbSettings.load()
    settings.eligible_learning_statuses = [LearningStatus.COMPLETED]
    settings.save()
    assert in_learning.pk not in _eligible_ids()
    assert _skipped() == {"not_in_learning": 1}


def test_applicants_are_excluded_when_the_setting_is_off():
    applicant = _bksb_user(kind=Kind.APPLICANT)
    assert applicant.pk in _eligible_ids()
    settings = BksbSettings.load()
    settings.include_applicants = False
    settings.save()
    assert applicant.pk not in _eligible_ids()
    assert _skipped() == {"applicant": 1}


def test_a_bksb_user_with_no_username_in_effect_is_skipped():
    nameless = _bksb_user(bksb_username="")
    assert nameless.pk not in _eligible_ids()
    assert _skipped() == {"no_username": 1}


def test_a_web_user_account_name_is_a_username_in_effect():
    learner = _bksb_user(bksb_username="")
    WebUserFactory(learner=learner, user__username="demo.learner0003")
    assert learner.pk in _eligible_ids()


def test_records_that_are_not_bksb_users_are_neither_eligible_nor_skipped():
    LearnerFactory(bksb_user=False, bksb_username="someone")
    assert _eligible_ids() == set()
    assert _skipped() == {}


def test_every_bksb_user_is_either_eligible_or_skipped_for_one_reason():
    _bksb_user()
    _bksb_user(bksb_username="")
    _bksb_user(bksb_username="", system_status=SystemStatus.ARCHIVED)  # no username is the first reason
    _bksb_user(system_status=SystemStatus.ARCHIVED)
    _bksb_user(learning_status=LearningStatus.WITHDRAWN)
    _bksb_user(kind=Kind.APPLICANT)
    settings = BksbSettings.load()
    settings.include_applicants = False
    settings.save()
    skipped = _skipped()
    assert skipped == {"no_username": 2, "archived": 1, "not_in_learning": 1, "applicant": 1}
    assert len(_eligible_ids()) + sum(skipped.values()) == Learner.objects.filter(bksb_user=True).count()


# -- single flight ------------------------------------------------------------------------------


def test_a_second_start_returns_the_run_in_progress(admin_user):
    first, started = get_results_start(started_by=admin_user, trigger=Run.Trigger.MANUAL, queue=False)
    second, started_again = get_results_start(started_by=None, trigger=Run.Trigger.SCHEDULED, queue=False)
    assert started is True
    assert started_again is False
    assert second.pk == first.pk
    assert Run.objects.filter(kind=Run.Kind.GET_RESULTS).count() == 1


def test_a_finished_run_does_not_block_a_new_one():
    first, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    get_results_plan(run_id=first.pk, enqueue=False)  # nobody eligible: it finishes at once
    first.refresh_from_db()
    assert first.is_finished
    second, started = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    assert started is True
    assert second.pk != first.pk


def test_a_run_with_no_heartbeat_for_a_long_time_is_replaced():
    dead, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    Run.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    assert get_results_active() is None
    fresh, started = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    assert started is True
    assert fresh.pk != dead.pk


# -- runs over the sandbox ----------------------------------------------------------------------


def _start_and_run(django_capture_on_commit_callbacks) -> Run:
    with django_capture_on_commit_callbacks(execute=True):
        run, started = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL)
    assert started
    run.refresh_from_db()
    return run


def test_a_run_stores_every_result_of_every_eligible_learner_once(django_capture_on_commit_callbacks):
    with running_sandbox() as server:
        configure(server.url)
        learners = linked_learners(range(1, 9))
        run = _start_and_run(django_capture_on_commit_callbacks)
        expected = {learner.pk: expected_results(server, learner) for learner in learners}

        assert run.status == Run.Status.SUCCEEDED
        assert (run.learners_total, run.learners_done, run.learners_failed) == (8, 8, 0)
        assert {learner.pk: stored_results(learner) for learner in learners} == expected
        assert run.results_created == sum(i + d for i, d in expected.values())
        assert run.requests_made >= 8 * 3
        first_done = RunLearner.objects.filter(run=run).earliest("finished_at").finished_at
        assert run.started_at <= first_done  # when work began, not when planning ended

        again = _start_and_run(django_capture_on_commit_callbacks)
    assert again.pk != run.pk
    assert again.status == Run.Status.SUCCEEDED
    assert again.results_created == 0
    assert {learner.pk: stored_results(learner) for learner in learners} == expected


def test_one_learner_failing_does_not_stop_the_others(django_capture_on_commit_callbacks):
    with running_sandbox() as server:
        configure(server.url)
        good = linked_learners([2, 3, 4])
        unknown = LearnerFactory(bksb_user=True, bksb_username="no.such.person")
        run = _start_and_run(django_capture_on_commit_callbacks)
        expected = {learner.pk: expected_results(server, learner) for learner in good}

    assert run.status == Run.Status.PARTIAL
    assert (run.learners_done, run.learners_failed) == (4, 1)
    assert {learner.pk: stored_results(learner) for learner in good} == expected
    failure = RunLearner.objects.get(run=run, status=RunLearner.Status.FAILED)
    assert failure.learner_id == unknown.pk
    assert "no user called “no.such.person”" in failure.error


def test_a_killed_worker_s_learner_is_resumed_by_the_sweeper_and_stored_once():
    with running_sandbox() as server:
        configure(server.url)
        learners = linked_learners(range(1, 7))
        run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
        get_results_plan(run_id=run.pk, enqueue=False)
        parts = list(RunLearner.objects.filter(run=run).order_by("pk"))
        for part in parts[:2]:
            assert run_learner_download(run_learner_id=part.pk) == "succeeded"
        # A worker claimed the third learner, took its lease, then was killed; its batch-mates' message was lost.
        killed = parts[2]
        long_ago = timezone.now() - dt.timedelta(minutes=5)
        RunLearner.objects.filter(pk=killed.pk).update(
            status=RunLearner.Status.RUNNING, claimed_at=long_ago, attempts=1
        )
        BksbLink.objects.update_or_create(
            learner=killed.learner,
            # Its lease lapsed with its last heartbeat, as the claim did.
            defaults={"download_lease_owner": 1, "download_lease_until": long_ago + dt.timedelta(minutes=2)},
        )
        Run.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)

        requeued = runs_sweep()
        expected = {learner.pk: expected_results(server, learner) for learner in learners}

    run.refresh_from_db()
    assert requeued == 4
    assert run.status == Run.Status.SUCCEEDED
    assert (run.learners_total, run.learners_done, run.learners_failed) == (6, 6, 0)
    assert {learner.pk: stored_results(learner) for learner in learners} == expected
    assert run.results_created == sum(i + d for i, d in expected.values())
    assert RunLearner.objects.get(pk=killed.pk).attempts == 2


def test_the_sweeper_leaves_a_healthy_run_alone():
    LearnerFactory(bksb_user=True, bksb_username="demo.learner0001")
    run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL, queue=False)
    get_results_plan(run_id=run.pk, enqueue=False)
    part = RunLearner.objects.get(run=run)
    RunLearner.objects.filter(pk=part.pk).update(status=RunLearner.Status.RUNNING, claimed_at=timezone.now())
    assert runs_sweep() == 0
    assert RunLearner.objects.get(pk=part.pk).status == RunLearner.Status.RUNNING


def test_a_429_storm_slows_the_run_but_it_completes_with_every_result(django_capture_on_commit_callbacks):
    with running_sandbox(rate_limit=5) as server:
        configure(server.url, requests_per_second=40.0)
        learners = linked_learners(range(1, 11))
        run = _start_and_run(django_capture_on_commit_callbacks)
        stats = server.stats()
        expected = {learner.pk: expected_results(server, learner) for learner in learners}

    assert stats["throttled_429"] > 0
    assert run.status == Run.Status.SUCCEEDED
    assert run.learners_failed == 0
    assert {learner.pk: stored_results(learner) for learner in learners} == expected


# -- pruning ------------------------------------------------------------------------------------


def _finished_run(days_ago: float) -> Run:
    run = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.SUCCEEDED)
    when = timezone.now() - dt.timedelta(days=days_ago)
    Run.objects.filter(pk=run.pk).update(created_at=when, finished_at=when)
    return run


def test_prune_deletes_runs_older_than_the_history_setting_only():
    settings = BksbSettings.load()
    settings.run_history_days = 30
    settings.save()
    old = _finished_run(31)
    recent = _finished_run(29)
    still_running = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.RUNNING)
    Run.objects.filter(pk=still_running.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    learner = LearnerFactory()
    RunLearner.objects.create(run=old, learner=learner)

    assert runs_prune() == 2  # the run and its learner row
    assert set(Run.objects.values_list("pk", flat=True)) == {recent.pk, still_running.pk}
    assert not RunLearner.objects.exists()
    assert Learner.objects.filter(pk=learner.pk).exists()
