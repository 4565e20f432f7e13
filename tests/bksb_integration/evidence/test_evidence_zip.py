"""An evidence zip: each record its own item, names unique by construction, packs written straight into the zip,
and bounds on what one click may ask for (a count to confirm, a cap, one job at a time each, room on the disk)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse

from bksb_integration.evidence import packs_job as evidence_job
from bksb_integration.models import EvidencePack
from jobs.models import Job
from jobs.services import job_run
from learners.models import Learner
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
KIND = "bksb_evidence_packs"


def post_packs(client, data, **extra):
    return client.post(reverse("bksb:evidence_packs"), data, HTTP_HX_REQUEST="true", **extra)


def window_of(client, job: Job) -> str:
    return client.get(reverse("jobs:status", args=["job", job.pk])).content.decode()


def zip_of(client, window: str) -> zipfile.ZipFile:
    link = re.search(r'href="([^"]+)" download>Download the evidence packs', window)
    assert link is not None, window
    return zipfile.ZipFile(io.BytesIO(b"".join(client.get(link.group(1)).streaming_content)))


def test_the_click_first_names_how_many_records_then_start_queues_them(client, admin_user):
    learners = [LearnerFactory() for _ in range(3)]
    client.force_login(admin_user)

    step = post_packs(client, {"scope": "all_matching"}).content.decode()

    assert "Evidence packs for 3 records?" in step
    assert "3 records matching this filter" in step
    assert "Start: Evidence packs for 3 records" in step
    assert not Job.objects.filter(kind=KIND).exists()

    post_packs(client, {"learner": [learners[0].pk], "confirmed": "1"})
    job = Job.objects.get(kind=KIND)
    assert (job.total, job.status) == (1, Job.Status.QUEUED)


def test_a_zip_with_one_failing_record_holds_the_others_and_names_it(
    client, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    learners = [LearnerFactory(learner_ref=f"F{n}") for n in range(3)]
    for n, learner in enumerate(learners):
        store(learner, item(n + 1, "Maths Entry 3", when=SEP))
    real_pdf = evidence_job.evidence_pdf

    def breaks_on_f1(content):
        if content.learner.learner_ref == "F1":
            raise ValueError("The row with index 3 is too high and cannot be rendered on a single page")
        return real_pdf(content)

    monkeypatch.setattr(evidence_job, "evidence_pdf", breaks_on_f1)
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        post_packs(client, {"learner": [each.pk for each in learners], "confirmed": "1"})

    job = Job.objects.get(kind=KIND)
    assert (job.status, job.done, job.failed) == (Job.Status.PARTIAL, 3, 1)
    window = window_of(client, job)
    assert "2 evidence packs in the zip. 1 record could not be packed: see below." in window
    assert "Not in the zip (1)" in window
    assert ">F1</a>" in window
    assert "Its pack could not be made" in window
    names = sorted(zip_of(client, window).namelist())
    assert names == [f"evidence-pack-F0-{learners[0].pk}.pdf", f"evidence-pack-F2-{learners[2].pk}.pdf"]
    assert set(EvidencePack.objects.values_list("learner__learner_ref", flat=True)) == {"F0", "F2"}
    # No loose PDFs: the packs went straight into the zip, which is all the folder holds.
    assert [path.name for path in evidence_job.evidence_dir().iterdir()] == [f"job-{job.pk}.zip"]


def test_two_references_that_read_alike_give_two_files(client, admin_user, django_capture_on_commit_callbacks):
    slash = LearnerFactory(pk=987654, learner_ref="x/y")
    dashes = LearnerFactory(learner_ref="x-y-987654")
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        post_packs(client, {"learner": [slash.pk, dashes.pk], "confirmed": "1"})

    job = Job.objects.get(kind=KIND)
    window = window_of(client, job)
    assert "2 evidence packs in the zip." in window
    assert sorted(zip_of(client, window).namelist()) == sorted(
        ["evidence-pack-x-y-987654.pdf", f"evidence-pack-x-y-987654-{dashes.pk}.pdf"]
    )


def test_a_resumed_job_writes_its_zip_again_with_every_pack(admin_user, monkeypatch):
    learners = [LearnerFactory(learner_ref=f"R{n}") for n in range(3)]
    monkeypatch.setattr("jobs.queue.job_run_queue", lambda job_id: None)
    job = evidence_job.evidence_packs_start(
        learners=Learner.objects.filter(pk__in=[each.pk for each in learners]), started_by=admin_user
    )
    made = 0
    real_pdf = evidence_job.evidence_pdf

    def dies_on_the_second(content):
        nonlocal made
        made += 1
        if made == 2:
            raise KeyboardInterrupt  # the worker is killed mid-way
        return real_pdf(content)

    monkeypatch.setattr(evidence_job, "evidence_pdf", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        job_run(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=SEP)

    assert job_run(job_id=job.pk) == Job.Status.SUCCEEDED

    job.refresh_from_db()
    assert (job.done, job.failed) == (3, 0)
    names = zipfile.ZipFile(evidence_job.evidence_zip_path(job)).namelist()
    assert sorted(names) == [f"evidence-pack-R{n}-{learners[n].pk}.pdf" for n in range(3)]


def test_a_second_50000_record_click_is_refused_with_a_reason(client, tutor, settings):
    settings.EVIDENCE_ZIP_MAX_RECORDS = 60_000
    Learner.objects.bulk_create(
        Learner(learner_ref=f"B{n:06d}", first_name="Bulk", last_name=f"Learner{n}") for n in range(50_000)
    )
    client.force_login(tutor)
    everything = {"scope": "all_matching", "confirmed": "1"}

    post_packs(client, everything)
    second = post_packs(client, everything).content.decode()

    first = Job.objects.get(kind=KIND)
    assert first.total == 50_000
    assert Job.objects.filter(kind=KIND).count() == 1
    assert f"Your evidence packs job {first.pk} (0 of 50,000 records) is still queued" in second
    assert "each person has one at a time" in second
    assert "Start: Evidence packs" not in second


def test_more_records_than_a_zip_holds_are_refused_before_and_after_the_step(client, admin_user, settings):
    settings.EVIDENCE_ZIP_MAX_RECORDS = 4
    for _ in range(5):
        LearnerFactory()
    client.force_login(admin_user)

    step = post_packs(client, {"scope": "all_matching"}).content.decode()
    confirmed = post_packs(client, {"scope": "all_matching", "confirmed": "1"}).content.decode()

    for answer in (step, confirmed):
        assert "You selected 5 records; an evidence zip holds at most 4." in answer
        assert "python manage.py bksb_evidence_packs" in answer
        assert "Start: Evidence packs" not in answer
    assert not Job.objects.filter(kind=KIND).exists()


def test_a_zip_is_refused_when_the_disk_has_no_room_for_it(client, admin_user, settings):
    settings.EVIDENCE_MIN_FREE_MB = 10**12
    learner = LearnerFactory()
    client.force_login(admin_user)

    answer = post_packs(client, {"learner": [learner.pk], "confirmed": "1"}).content.decode()

    assert "The server&#x27;s disk has" in answer
    assert "Ask an administrator to free space, or select fewer records." in answer
    assert not Job.objects.filter(kind=KIND).exists()


def test_without_javascript_the_step_is_a_page_that_posts_the_selection_again(client, admin_user):
    learners = [LearnerFactory() for _ in range(2)]
    client.force_login(admin_user)

    page = client.post(reverse("bksb:evidence_packs"), {"learner": [each.pk for each in learners]}).content.decode()

    assert "<title>Evidence packs" in page
    assert "Evidence packs for 2 records?" in page
    assert "2 records ticked." in page
    for learner in learners:
        assert f'<input type="hidden" name="learner" value="{learner.pk}">' in page
    assert '<input type="hidden" name="confirmed" value="1">' in page
    assert not Job.objects.filter(kind=KIND).exists()


def test_a_job_stops_with_its_reason_when_the_disk_fills_while_it_runs(client, admin_user, settings, monkeypatch):
    learners = [LearnerFactory() for _ in range(2)]
    monkeypatch.setattr("jobs.queue.job_run_queue", lambda job_id: None)
    job = evidence_job.evidence_packs_start(
        learners=Learner.objects.filter(pk__in=[each.pk for each in learners]), started_by=admin_user
    )
    settings.EVIDENCE_MIN_FREE_MB = 10**12  # the disk fills up after the job was queued

    assert job_run(job_id=job.pk) == Job.Status.FAILED

    job.refresh_from_db()
    assert job.message.startswith("Stopped: The server's disk has")
    assert job.message.endswith("Then Try again.")
    assert not evidence_job.evidence_zip_path(job).exists()
