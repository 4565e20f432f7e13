"""The evidence pack: the PDF's text read back and compared with the stored results, its fingerprint, the audit
trail, and many packs as a zip made by a job."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bksb_integration.evidence.pack import evidence_content
from bksb_integration.evidence.packs_job import pack_filename
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import (
    AssessmentSession,
    DiagnosticAssessmentResult,
    EvidencePack,
    InitialAssessmentResult,
    SkillResult,
    TagRule,
)
from bksbmis.dates import uk_datetime
from jobs.models import Job
from tests.bksb_integration.levels.levels_support import OTHER_USER, USER, item, store
from tests.factories import LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def text_of(pdf: bytes) -> str:
    """The PDF's text, with runs of whitespace made single spaces (table cells wrap)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def fingerprint_of(learner) -> str:
    """The fingerprint as an auditor would recompute it from the database, by the pack's own description."""
    items = []
    for list_name, model in (("initial", InitialAssessmentResult), ("diagnostic", DiagnosticAssessmentResult)):
        for row in model.objects.filter(learner=learner):
            items.append(
                {
                    "list": list_name,
                    "bksb_user_id": row.bksb_user_id,
                    "session_id": row.session_id,
                    "assessment_id": row.assessment_id,
                    "raw": row.raw,
                }
            )
    items.sort(key=lambda i: (i["list"], i["bksb_user_id"], i["session_id"], i["assessment_id"]))
    canonical = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.fixture
def assessed():
    learner = LearnerFactory(
        first_name="Zoë <b>Ánne</b>",
        last_name="Ó'Brien-Ñúñez\x07",
        learner_ref="L000042",
        start_date=dt.date(2026, 9, 30),
        bksb_user=True,
        bksb_username="zoe.obrien",
    )
    store(
        learner,
        item(101, "Maths Entry 3", when=SEP, assessment_id=5001),
        item(102, "English Level 2", subject="english", when=SEP + dt.timedelta(days=1), assessment_id=5002),
        item(103, "Maths Entry 2", when=SEP + dt.timedelta(days=7), kind="diagnostic", score=42.5, assessment_id=6001),
        item(104, "Maths: see tutor", when=SEP + dt.timedelta(days=8), assessment_id=5003),
    )
    store(learner, item(99, "Maths Level 3", when=SEP - dt.timedelta(days=400)), user_id=OTHER_USER)
    # Back to the user in effect (store() moves the link to the user it stores for).
    store(learner, user_id=USER)
    return learner


def test_the_pack_shows_every_stored_result_as_stored(assessed):
    TagRule.objects.create(name="Maths support: Entry", subject="maths", levels=["entry_3"])
    levels_refresh(learner_ids=[assessed.pk], reason="test")
    text = text_of(evidence_pdf(evidence_content(learner=assessed, made_by=None)))

    assert "Zoë <b>Ánne</b> Ó'Brien-Ñúñez" in text
    assert "L000042" in text
    assert f"bksb user id in effect {USER}" in text
    assert "zoe.obrien" in text
    for model in (InitialAssessmentResult, DiagnosticAssessmentResult):
        for row in model.objects.filter(learner=assessed):
            assert str(row.session_id) in text
            assert str(row.assessment_id) in text
            assert uk_datetime(row.result_date) in text
            assert uk_datetime(row.first_seen_at) in text
    assert "1 Sep 2026 10:00 BST" in text  # 09:00 UTC, as bksb gives it: UK time
    assert "Initial assessment results (4)" in text
    assert "Diagnostic results (1)" in text
    assert "42.5%" in text
    assert "Not mapped" in text
    assert "came from a previous bksb user" in text
    assert "Maths assessed below Level 2, aged 19+, no GCSE grade 4: eligible for the fully funded entitlement" in text
    assert "Assessment: initial assessment Entry 3 on 1 Sep 2026 (SessionId 101, AssessmentID 5001)" in text
    assert "Maths support: Entry" in text
    assert "decision support, not funding advice" in text
    assert "Results are never editable in bksbmis" in text
    assert fingerprint_of(assessed) in text


def test_the_pack_writes_every_date_one_way(assessed):
    assessed.date_of_birth = dt.date(2008, 3, 8)
    assessed.end_date = dt.date(2027, 6, 30)
    assessed.save()
    text = text_of(evidence_pdf(evidence_content(learner=assessed, made_by=None)))
    # The UK long form of the rest of the product (6 Dec 2026), never 2026-12-06 or 08/03/2025.
    assert "Date of birth 8 Mar 2008" in text
    assert "Start date 30 Sep 2026" in text
    assert "End date 30 Jun 2027" in text
    assert "2 Sep 2026 10:00 BST" in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text)


def test_the_fingerprint_changes_when_a_raw_item_does(assessed):
    before = evidence_content(learner=assessed, made_by=None).fingerprint
    assert before == fingerprint_of(assessed)
    row = InitialAssessmentResult.objects.get(learner=assessed, session_id=101)
    row.raw = {**row.raw, "Result": "Maths Level 1"}
    row.save(update_fields=["raw"])

    after = evidence_content(learner=assessed, made_by=None).fingerprint
    assert after != before
    assert after == fingerprint_of(assessed)


def test_the_fingerprint_does_not_depend_on_key_order_or_reading_order(assessed):
    first = evidence_content(learner=assessed, made_by=None).fingerprint
    row = InitialAssessmentResult.objects.get(learner=assessed, session_id=102)
    row.raw = dict(reversed(list(row.raw.items())))
    row.save(update_fields=["raw"])
    assert evidence_content(learner=assessed, made_by=None).fingerprint == first


def test_a_record_with_no_results_still_gets_a_pack():
    learner = LearnerFactory(start_date=None)
    text = text_of(evidence_pdf(evidence_content(learner=learner, made_by=None)))
    assert "Initial assessment results (0)" in text
    assert "No results of the bksb user in effect are stored." in text
    assert hashlib.sha256(b"[]").hexdigest() in text


def test_the_tab_button_downloads_the_pdf_and_the_audit_trail_records_it(client, admin_user, assessed):
    client.force_login(admin_user)
    tab = client.get(reverse("bksb:tab", args=[assessed.pk])).content.decode()
    assert "Evidence pack" in tab

    response = client.post(reverse("bksb:evidence_pack", args=[assessed.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-pack-L000042-{assessed.pk}.pdf"'
    assert fingerprint_of(assessed) in text_of(response.content)
    pack = EvidencePack.objects.get(learner=assessed)
    assert (pack.made_by, pack.fingerprint, pack.result_count, pack.in_bulk) == (
        admin_user,
        fingerprint_of(assessed),
        5,
        False,
    )
    audit = client.get(reverse("permissions:audit"), {"source": "evidence"}).content.decode()
    assert "Evidence pack made" in audit
    assert "Learner L000042" in audit
    assert fingerprint_of(assessed) in audit


def test_the_tab_shows_the_latest_packs_fingerprint(client, admin_user, tutor, assessed):
    client.force_login(tutor)
    tab = client.get(reverse("bksb:tab", args=[assessed.pk])).content.decode()
    assert "No evidence pack has been made for this record yet." in tab
    client.post(reverse("bksb:evidence_pack", args=[assessed.pk]))
    first = EvidencePack.objects.get(learner=assessed)
    InitialAssessmentResult.objects.filter(learner=assessed, session_id=101).update(raw={"changed": True})
    client.force_login(admin_user)
    client.post(reverse("bksb:evidence_pack", args=[assessed.pk]))
    latest = EvidencePack.objects.exclude(pk=first.pk).get(learner=assessed)
    assert latest.fingerprint != first.fingerprint

    client.force_login(tutor)
    tab = client.get(reverse("bksb:tab", args=[assessed.pk])).content.decode()
    line = tab.split('id="bksb-latest-pack"', 1)[1].split("</p>", 1)[0]
    assert f"SHA-256 fingerprint: <code>{latest.fingerprint}</code>" in line
    assert first.fingerprint not in tab
    assert f"made {timezone.localtime(latest.made_at):%-d %b %Y %H:%M} by admin1" in line
    assert "of 5 stored results." in line


def test_a_pack_needs_the_bksb_module_right(client, outsider, assessed):
    client.force_login(outsider)
    assert client.post(reverse("bksb:evidence_pack", args=[assessed.pk])).status_code == 403
    assert not EvidencePack.objects.exists()


def test_many_packs_are_made_by_a_job_and_downloaded_as_a_zip(client, admin_user, django_capture_on_commit_callbacks):
    learners = [LearnerFactory(learner_ref=f"Z{n}") for n in range(3)]
    for n, learner in enumerate(learners):
        store(learner, item(n + 1, "Maths Entry 3", when=SEP))
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bksb:evidence_packs"),
            {"learner": [learners[0].pk, learners[2].pk], "confirmed": "1"},
            HTTP_HX_REQUEST="true",
        )

    window = response.content.decode()
    assert "Evidence packs" in window
    job = Job.objects.get(kind="bksb_evidence_packs")
    assert (job.status, job.done, job.total) == (Job.Status.SUCCEEDED, 2, 2)
    status = client.get(reverse("jobs:status", args=["job", job.pk])).content.decode()
    assert "2 evidence packs in the zip." in status
    link = re.search(r'href="([^"]+)" download>Download the evidence packs', status)
    assert link is not None
    download = client.get(link.group(1))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    z0, z2 = f"evidence-pack-Z0-{learners[0].pk}.pdf", f"evidence-pack-Z2-{learners[2].pk}.pdf"
    assert sorted(archive.namelist()) == [z0, z2]
    assert fingerprint_of(learners[2]) in text_of(archive.read(z2))
    assert set(EvidencePack.objects.filter(in_bulk=True).values_list("learner_id", flat=True)) == {
        learners[0].pk,
        learners[2].pk,
    }

    other = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(other)
    assert client.get(link.group(1)).status_code == 404


def test_a_pack_filename_never_carries_odd_characters():
    learner = LearnerFactory(learner_ref='../A "1"')
    assert pack_filename(learner) == f"evidence-pack-A-1-{learner.pk}.pdf"


def test_the_pack_shows_the_per_skill_breakdown_where_one_is_stored(assessed):
    now = SEP + dt.timedelta(days=1)
    session = AssessmentSession.objects.create(
        learner=assessed,
        bksb_user_id=USER,
        course_subject="MATHS_NEW",
        subject="maths",
        session_id=101,
        assessment_type=1,
        started_at=SEP,
        completed_at=SEP,
        first_seen_at=now,
        last_seen_at=now,
    )
    SkillResult.objects.create(
        session=session,
        component_name="Fractions, decimals & percentages",
        ability_measurement="Entry 3",
        level="entry_3",
        level_rank=4,
        measured_at=SEP,
        first_seen_at=now,
    )
    text = text_of(evidence_pdf(evidence_content(learner=assessed, made_by=None)))
    assert "Per-skill breakdown" in text
    assert "Fractions, decimals & percentages" in text


def test_the_pack_says_when_no_per_skill_breakdown_is_stored(assessed):
    text = text_of(evidence_pdf(evidence_content(learner=assessed, made_by=None)))
    assert "No per-skill breakdown is stored for this record's assessments." in text
