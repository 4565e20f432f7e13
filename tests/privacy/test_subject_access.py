"""The subject access export: a zip holding every row about the learner that the test's own query finds
(every table with a key to Learner, found through Django's model meta), as JSON and as a readable PDF."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bksb_integration.models import SkillResult
from jobs.models import Job
from jobs.services import job_run
from learners.models import Learner
from permissions.audit import audit_entries
from privacy.erasure import audit_hold_set, learner_erase
from privacy.export_files import KIND, subject_access_zip_path
from privacy.models import AnonymisedRecord, PrivacyEvent
from privacy.subject_access_job import subject_access_start
from tests.factories import LearnerFactory
from tests.privacy.support import learner_keys, learner_with_everything, rows_about

pytestmark = pytest.mark.django_db


def _export(client, user, learner: Learner) -> tuple[Job, zipfile.ZipFile]:
    job = subject_access_start(learner=learner, started_by=user)
    assert job_run(job_id=job.pk) == Job.Status.SUCCEEDED
    client.force_login(user)
    response = client.get(reverse("privacy:subject_access_download", args=[job.pk]))
    assert response.status_code == 200
    return job, zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def person(admin_user):
    learner = learner_with_everything(first_name="Zoë", last_name="Ó'Brien")
    audit_hold_set(learner=learner, reason="Complaint under review", by=admin_user)
    # A row of every privacy table too (an anonymised record's own marker included), so none is missed.
    event = PrivacyEvent.objects.create(action=PrivacyEvent.Action.ERASURE, record_id=learner.pk)
    AnonymisedRecord.objects.create(learner=learner, at=event.at, event=event)
    return learner


def test_the_zip_holds_every_row_about_the_learner(client, admin_user, person):
    found = rows_about(person)
    # The fixture must give the learner a row in every table keyed to Learner: a new table fails here
    # until the fixture (and so this test) covers it.
    assert {label for label, pks in found.items() if not pks} == set()
    assert len(found) == len({field.model for field in learner_keys()})

    _, archive = _export(client, admin_user, person)

    document = json.loads(archive.read("subject-access.json"))
    held = {table["table"]: table for table in document["tables"]}
    for label, pks in found.items():
        model_pk = next(f.model for f in learner_keys() if f.model._meta.label == label)._meta.pk.attname
        assert {row[model_pk] for row in held[label]["rows"]} >= set(pks), label
    assert [row["id"] for row in held["learners.Learner"]["rows"]] == [person.pk]
    assert {row["history_id"] for row in held["learners.HistoricalLearner"]["rows"]} == set(
        Learner.history.filter(id=person.pk).values_list("history_id", flat=True)
    )
    skills = set(SkillResult.objects.filter(session__learner=person).values_list("pk", flat=True))
    assert {row["id"] for row in held["bksb_integration.SkillResult"]["rows"]} == skills
    account = held["auth.User"]["rows"][0]
    assert account["username"] == person.web_user.username
    assert "password" not in account
    assert held["signin.SignInEvent"]["rows"]
    assert held["bksb_integration.UsernameProbe"]["rows"]
    assert [row["object_repr"] for row in held["admin.LogEntry"]["rows"]] == [str(person)]
    reasons = {row["reason"] for row in held["privacy.PrivacyEvent"]["rows"]}
    assert "Complaint under review" in reasons


def test_the_pdf_reads_as_the_learners_data(client, admin_user, person):
    _, archive = _export(client, admin_user, person)
    reader = PdfReader(io.BytesIO(archive.read("subject-access.pdf")))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert f"Subject access export: {person.learner_ref}" in text
    assert "Zoë Ó'Brien" in text
    assert person.email in text
    assert "Complaint under review" in text
    assert "Initial assessment results" in text or "Initial assessment result" in text


def test_making_the_export_is_in_the_audit_trail(client, admin_user, person):
    _export(client, admin_user, person)
    made = [e for e in audit_entries(source="privacy") if e.action == "Subject access export made"]
    assert len(made) == 1
    assert made[0].who == admin_user.username
    assert made[0].what == f"Learner {person.learner_ref}"


def test_only_the_person_who_made_it_downloads_it(client, admin_user, staff_with):
    learner = LearnerFactory()
    job = subject_access_start(learner=learner, started_by=admin_user)
    job_run(job_id=job.pk)
    other = staff_with("view_learners", "export_subject_access", username="dpo2")
    client.force_login(other)
    assert client.get(reverse("privacy:subject_access_download", args=[job.pk])).status_code == 404


def test_a_manager_cannot_export_without_the_right(client, manager):
    learner = LearnerFactory()
    client.force_login(manager)
    assert client.post(reverse("privacy:subject_access", args=[learner.pk])).status_code == 403
    assert not Job.objects.filter(kind=KIND).exists()


def test_the_button_starts_a_job_shown_in_its_window(client, admin_user):
    learner = LearnerFactory()
    client.force_login(admin_user)
    response = client.post(reverse("privacy:subject_access", args=[learner.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Subject access export" in response.content.decode()
    job = Job.objects.get(kind=KIND)
    assert job.params == {"learner_id": learner.pk}


def test_erasing_a_record_removes_its_exports(client, admin_user):
    learner = LearnerFactory()
    job, _ = _export(client, admin_user, learner)
    assert subject_access_zip_path(job).exists()
    learner_erase(learner=learner, reason="Request", by=admin_user)
    assert not subject_access_zip_path(job).exists()
    assert client.get(reverse("privacy:subject_access_download", args=[job.pk])).status_code == 404
