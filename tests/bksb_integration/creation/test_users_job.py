"""Creating bksb users for many records: a background job, each record's outcome listed, nobody created twice."""

from __future__ import annotations

import pytest

from bksb_integration.creation import user_create as uc
from bksb_integration.creation import users_job as create_users
from bksb_integration.creation.users_job import LABELS, bksb_users_create_start, bulk_summary
from bksb_integration.models import BksbLink, UserCreationRequest
from jobs.models import Job, JobItem
from jobs.services import job_run
from learners.models import Kind
from tests.factories import LearnerFactory, WebUserFactory
from tests.support import configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk(django_capture_on_commit_callbacks):
    """Start a job for these records; the worker runs it (eagerly) once the start commits."""

    def start(ids: list[int]) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = bksb_users_create_start(learner_ids=ids, started_by=None)
        job.refresh_from_db()
        return job

    return start


def _outcomes(job: Job) -> dict[int, JobItem]:
    return {item.subject_id: item for item in job.items.all()}


def test_create_users_reports_each_outcome(bksb, integration, bulk):
    created = LearnerFactory(first_name="Ben", last_name="Baker", learner_ref="L000010")
    applicant = LearnerFactory(first_name="Cara", last_name="Clarke", learner_ref="L000011", kind=Kind.APPLICANT)
    taken = WebUserFactory(learner__last_name="Davies", user__username="taken.name").learner
    no_dob = LearnerFactory(last_name="Evans", date_of_birth=None)
    linked = LearnerFactory(last_name="Fletcher", bksb_user=True, bksb_username="fletch")
    BksbLink.objects.create(learner=linked, bksb_user_id=99, resolved_username="fletch")
    refused = LearnerFactory(last_name="Green", email="ok@example.ac.uk")
    bksb.users["taken.name"] = 70
    bksb.refuse_lastnames["Green"] = "Email domain is blocked."

    job = bulk([x.pk for x in (created, applicant, taken, no_dob, linked, refused)])

    lines = _outcomes(job)
    label = {pk: LABELS[item.outcome] for pk, item in lines.items()}
    assert label[created.pk] == "Created"
    assert label[applicant.pk] == "Created"
    assert label[taken.pk] == "Found in bksb: review the match"  # its web user's name: never a second account
    assert lines[taken.pk].detail == "taken.name"
    assert label[no_dob.pk] == "Not sent: fix the record"
    assert "Fix Date of birth: The record has no date of birth" in lines[no_dob.pk].message
    assert label[linked.pk] == "Already had a bksb user"
    assert label[refused.pk] == "Refused by bksb"
    assert "Email domain is blocked." in lines[refused.pk].message
    assert bulk_summary(item.outcome for item in lines.values()) == {
        "Created": 2,
        "Already had a bksb user": 1,
        "Found in bksb: review the match": 1,
        "Refused by bksb": 1,
        "Not sent: fix the record": 1,
    }
    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Baker", "Clarke", "Green"]
    assert (job.status, job.total, job.done, job.failed) == (Job.Status.PARTIAL, 6, 6, 3)


def test_a_hundred_and_twenty_records_in_one_job_and_again_create_nobody_twice(bksb, integration, bulk):
    ids = [LearnerFactory().pk for _ in range(120)]

    first = bulk(ids)
    again = bulk(ids)

    assert (first.status, first.done, first.failed) == (Job.Status.SUCCEEDED, 120, 0)
    assert {item.outcome for item in first.items.all()} == {uc.CREATED}
    assert {LABELS[item.outcome] for item in again.items.all()} == {"Already had a bksb user"}
    assert len(bksb.creates) == 120
    assert UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED).count() == 120
    assert job_run(job_id=first.pk) == "not claimed"  # a second delivery of a finished job does nothing
    assert len(bksb.creates) == 120


def test_a_job_whose_worker_died_carries_on_with_the_records_left(bksb, integration, bulk, monkeypatch):
    learners = [LearnerFactory(last_name=name) for name in ("Adams", "Baker", "Clarke")]
    calls = []
    real = create_users.bksb_user_create_one

    def dies_on_the_second(**kwargs):
        calls.append(kwargs["learner"].last_name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is killed mid-record: nothing catches it
        return real(**kwargs)

    monkeypatch.setattr(create_users, "bksb_user_create_one", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        bulk([learner.pk for learner in learners])
    job = Job.objects.get()
    assert (job.status, job.done) == (Job.Status.RUNNING, 1)
    assert job_run(job_id=job.pk) == "not claimed"  # still presumed alive: a redelivery waits

    Job.objects.filter(pk=job.pk).update(heartbeat_at=job.created_at.replace(year=2000))
    assert job_run(job_id=job.pk) == Job.Status.SUCCEEDED
    assert calls == ["Adams", "Baker", "Baker", "Clarke"]
    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Adams", "Baker", "Clarke"]
    job.refresh_from_db()
    assert (job.done, job.failed) == (3, 0)


def test_one_record_failing_never_stops_the_others(bksb, integration, bulk, monkeypatch):
    learners = [LearnerFactory(last_name=name) for name in ("Adams", "Baker", "Clarke")]
    real = create_users.uc.bksb_user_create

    def breaks_on_baker(**kwargs):
        if kwargs["learner"].last_name == "Baker":
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(create_users.uc, "bksb_user_create", breaks_on_baker)
    job = bulk([learner.pk for learner in learners])

    outcomes = _outcomes(job)
    assert [LABELS[outcomes[learner.pk].outcome] for learner in learners] == ["Created", "Failed", "Created"]
    assert "unexpected error" in outcomes[learners[1].pk].message
    assert (job.status, job.failed) == (Job.Status.PARTIAL, 1)


def test_any_number_of_records_is_sent_with_no_time_limit(bksb, integration, bulk):
    learners = [LearnerFactory() for _ in range(60)]
    job = bulk([learner.pk for learner in learners])
    assert {LABELS[item.outcome] for item in job.items.all()} == {"Created"}
    assert len(bksb.creates) == 60


def test_nothing_is_queued_when_the_settings_forbid_creating_users(bksb, db):
    configure(default_password="")
    with pytest.raises(uc.CreationNotPossible, match="No Default Password"):
        bksb_users_create_start(learner_ids=[LearnerFactory().pk], started_by=None)
    assert not Job.objects.exists()


def test_a_record_deleted_before_its_turn_is_reported_and_the_rest_go_on(
    bksb, integration, django_capture_on_commit_callbacks
):
    gone, kept = LearnerFactory(learner_ref="L000091"), LearnerFactory(learner_ref="L000092")
    with django_capture_on_commit_callbacks() as queued:
        job = bksb_users_create_start(learner_ids=[gone.pk, kept.pk], started_by=None)
    gone.delete()
    for callback in queued:
        callback()
    outcomes = {item.subject: LABELS[item.outcome] for item in JobItem.objects.filter(job=job)}
    assert outcomes == {"L000091": "Record deleted", "L000092": "Created"}
