"""Creating bksb users for an intake against the sandbox: 500 records in one run with invites, then again;
two runs at once; records bksb would refuse reported with the field to fix; taken names never linked."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connections

from bksb_integration.creation import users_job as create_users
from bksb_integration.creation.users_job import LABELS, IntakeOptions, bksb_users_create_start
from bksb_integration.models import BksbLink, Invite, UserCreationRequest
from jobs.models import Job
from jobs.services import job_run
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import configure

pytestmark = pytest.mark.sandbox(fast_clients=True)


def _labels(job: Job) -> dict[str, int]:
    labels: dict[str, int] = {}
    for outcome in job.items.values_list("outcome", flat=True):
        labels[LABELS[outcome]] = labels.get(LABELS[outcome], 0) + 1
    return labels


def _run(capture, ids: list[int], **options: bool) -> Job:
    with capture(execute=True):
        job = bksb_users_create_start(learner_ids=ids, started_by=None, options=IntakeOptions(**options))
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_an_intake_of_500_is_created_in_one_run_with_invites_and_a_second_run_creates_nobody_twice(
    sandbox, django_capture_on_commit_callbacks
):
    configure(sandbox.url, auto_enrol_courses=True)
    ids = [learner.pk for learner in LearnerFactory.create_batch(500)]

    first = _run(django_capture_on_commit_callbacks, ids, invite=True)
    again = _run(django_capture_on_commit_callbacks, ids, invite=True)

    assert (first.status, first.done, first.failed) == (Job.Status.SUCCEEDED, 500, 0)
    assert _labels(first) == {"Created and invited": 500}
    assert _labels(again) == {"Already had a bksb user": 500}
    made = sandbox.created_users()
    assert len(made) == 500
    assert {user["AutoEnrolCourses"] for user in made} == {True}
    learners = Learner.objects.filter(pk__in=ids)
    assert {learner.bksb_username for learner in learners} == {user["Username"] for user in made}
    assert set(BksbLink.objects.filter(learner_id__in=ids).values_list("bksb_user_id", flat=True)) == {
        user["UserId"] for user in made
    }
    assert len(mail.outbox) == 500
    assert Invite.objects.count() == 500


@pytest.mark.django_db
def test_an_invite_is_never_sent_twice_when_a_job_is_run_again_for_records_it_created(
    sandbox, django_capture_on_commit_callbacks
):
    configure(sandbox.url)
    ids = [learner.pk for learner in LearnerFactory.create_batch(3)]
    _run(django_capture_on_commit_callbacks, ids)
    assert len(mail.outbox) == 0

    again = _run(django_capture_on_commit_callbacks, ids, invite=True)

    # Created before, without an invite: this job created nobody, so it invites nobody.
    assert _labels(again) == {"Already had a bksb user": 3}
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_records_bksb_would_refuse_are_reported_with_the_field_to_fix_before_any_request(
    sandbox, django_capture_on_commit_callbacks
):
    configure(sandbox.url)
    no_email = LearnerFactory(email="", learner_ref="L000201")
    no_dob = LearnerFactory(date_of_birth=None, learner_ref="L000202")
    future = LearnerFactory(date_of_birth=dt.date(2999, 1, 1), learner_ref="L000203")
    ancient = LearnerFactory(date_of_birth=dt.date(1850, 1, 1), learner_ref="L000204")
    sandbox.reset_stats()

    job = _run(django_capture_on_commit_callbacks, [no_email.pk, no_dob.pk, future.pk, ancient.pk])

    messages = dict(job.items.values_list("subject", "message"))
    assert _labels(job) == {"Not sent: fix the record": 4}
    assert messages["L000201"].startswith("Fix Email: An email address is required")
    assert messages["L000202"].startswith("Fix Date of birth: The record has no date of birth")
    assert "Fix Date of birth: The record's date of birth, 01/01/2999, is in the future" in messages["L000203"]
    assert "01/01/1850, is before 1900" in messages["L000204"]
    assert sandbox.stats()["requests"] == 0


@pytest.mark.django_db
def test_a_taken_username_is_reported_for_review_and_never_linked(sandbox, django_capture_on_commit_callbacks):
    configure(sandbox.url)
    taken = LearnerFactory(bksb_username="demo.learner0010", learner_ref="L000210")

    job = _run(django_capture_on_commit_callbacks, [taken.pk], invite=True)

    item = job.items.get()
    assert LABELS[item.outcome] == "Found in bksb: review the match"
    assert item.detail == "demo.learner0010"
    assert "bksb may know this learner already as demo.learner0010" in item.message
    taken.refresh_from_db()
    assert not taken.bksb_user
    assert not BksbLink.objects.filter(learner=taken, bksb_user_id__isnull=False).exists()
    assert len(mail.outbox) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_creation_runs_at_once_create_nobody_twice(sandbox, monkeypatch):
    configure(sandbox.url)
    sandbox.set_config(latency_ms=5)
    ids = [learner.pk for learner in LearnerFactory.create_batch(40)]
    monkeypatch.setattr(create_users, "job_start", _start_without_queueing)
    jobs = [bksb_users_create_start(learner_ids=ids, started_by=None) for _ in range(2)]

    def run(job_id: int) -> str:
        try:
            return job_run(job_id=job_id)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, [job.pk for job in jobs]))

    made = sandbox.created_users()
    assert len(made) == 40
    assert len({user["Username"] for user in made}) == 40
    assert UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED).count() == 40
    outcomes = [_labels(Job.objects.get(pk=job.pk)) for job in jobs]
    # A job that asks about a record while the other creates its user defers to that attempt: never "found".
    allowed = {"Created", "Already had a bksb user", "In progress elsewhere"}
    assert all(set(labels) <= allowed for labels in outcomes)
    assert sum(labels.get("Created", 0) for labels in outcomes) == 40  # each record created by one job only
    assert all(Job.objects.get(pk=job.pk).is_finished for job in jobs)


def _start_without_queueing(**kwargs):
    """job_start, with its on-commit queueing dropped: the test runs both jobs itself, at once."""
    from jobs import services

    job = Job.objects.create(kind=kwargs["kind"], params=kwargs["params"], total=kwargs["total"], stage="Queued")
    for position, item in enumerate(kwargs["items"]):
        item.job, item.position = job, position
    services.JobItem.objects.bulk_create(kwargs["items"])
    return job
