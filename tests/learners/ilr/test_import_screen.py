"""Tools > Import learners takes an ILR file (told from its content): one job checks and writes it, then deletes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job, JobItem
from learners.models import Learner, LearningAim
from tests.learners.ilr import files
from tests.learners.test_import_views import URL, pending_files

pytestmark = pytest.mark.django_db


def _upload(tmp_path: Path, learners=None, **options) -> SimpleUploadedFile:
    path = files.ilr_path(tmp_path / "..", learners or files.cohort(), **options)
    # Named .csv on purpose: the type is told from the content, never from the name.
    return SimpleUploadedFile("learners.csv", path.read_bytes(), content_type="text/csv")


def test_an_ilr_file_is_imported_by_a_job_and_then_deleted(
    client, manager, tmp_path: Path, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(URL, {"csv_file": _upload(tmp_path)}, HTTP_HX_REQUEST="true")

    assert '<dialog data-open-modal id="job-window"' in response.text
    assert not Learner.objects.exists()  # nothing is written while the person waits
    assert len(pending_files(tmp_path)) == 1
    queued[0]()
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    assert Learner.objects.count() == 6
    assert LearningAim.objects.count() == 11
    assert pending_files(tmp_path) == []  # the uploaded file is gone
    status = client.get(reverse("jobs:status", args=["job", job.pk]), HTTP_HX_REQUEST="true").text
    assert "Imported the 2025/26 ILR file, 6 learners: 6 created" in status
    assert "The uploaded file is deleted when this job ends." in status


def test_a_bad_learner_refuses_the_file_and_the_window_lists_it_by_reference_and_element(
    client, manager, tmp_path: Path, django_capture_on_commit_callbacks
):
    bad = files.adult_with_gcse()
    bad.uln = "1000000042"
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as queued:
        client.post(URL, {"csv_file": _upload(tmp_path, [files.study_programme(), bad])}, HTTP_HX_REQUEST="true")
    queued[0]()

    job = Job.objects.get()
    assert job.status == Job.Status.REFUSED
    assert not Learner.objects.exists()
    assert pending_files(tmp_path) == []
    item = JobItem.objects.get(job=job)
    assert (item.subject, item.message) == (
        "AD0501",
        "ULN: 1000000042 fails the ULN check digit. (rules ULN_01, ULN_04)",
    )
    status = client.get(reverse("jobs:status", args=["job", job.pk]), HTTP_HX_REQUEST="true").text
    assert "Bad learners" in status
    assert "ULN: 1000000042 fails the ULN check digit." in status


def test_a_file_of_another_year_is_refused_in_the_window(
    client, manager, tmp_path: Path, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as queued:
        client.post(URL, {"csv_file": _upload(tmp_path, year="2024-25")}, HTTP_HX_REQUEST="true")
    queued[0]()

    job = Job.objects.get()
    assert job.status == Job.Status.REFUSED
    assert "only 2025/26 (ESFA/ILR/2025-26) and 2026/27 (ESFA/ILR/2026-27) files are read" in job.message
    assert not Learner.objects.exists()


def test_staff_without_view_prior_attainment_cannot_import_an_ilr_file(client, staff_with, tmp_path: Path):
    client.force_login(staff_with("view_learners", "import_learners"))
    response = client.post(URL, {"csv_file": _upload(tmp_path)})

    assert "This is an XML (ILR) file. Importing one needs the View prior attainment right." in response.text
    assert not Job.objects.exists()
    assert "An ILR file" not in response.text
