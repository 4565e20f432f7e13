"""The auditor's sample pack: who is in it (a pasted list, or a seeded draw from a cohort), what matched nothing,
and the zip: each pack, a manifest whose SHA-256 values are those of the zipped files, and the cover."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bksb_integration.evidence.sample import cohort_sample, references_parse, references_resolve
from bksb_integration.models import EvidencePack
from jobs.models import Job
from learners.models import Learner, LearningAim
from permissions.audit import audit_entries
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
KIND = "bksb_audit_sample"
URL = "/management/bksb/audit-sample/"


def uln(nine: str) -> str:
    """A ULN with a valid check digit (learners/attainment.py uln_problem)."""
    remainder = sum(int(digit) * weight for digit, weight in zip(nine, range(10, 1, -1), strict=True)) % 11
    assert remainder != 0
    return nine + str(10 - remainder)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def zip_of(client, job: Job) -> zipfile.ZipFile:
    window = client.get(reverse("jobs:status", args=["job", job.pk])).content.decode()
    link = re.search(r'href="([^"]+)" download>Download the audit sample', window)
    assert link is not None, window
    return zipfile.ZipFile(io.BytesIO(b"".join(client.get(link.group(1)).streaming_content)))


def make_sample(client, data, capture) -> Job:
    with capture(execute=True):
        response = client.post(URL, {**data, "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()
    return Job.objects.get(kind=KIND)


def test_pasted_references_in_any_separation_are_read_once_each_in_order():
    assert references_parse("A1\nb2, C3;A1  D4\tE5\r\n") == ["A1", "b2", "C3", "D4", "E5"]


def test_the_page_lists_the_references_that_match_no_record_before_starting(client, admin_user):
    LearnerFactory(learner_ref="S1", first_name="Sam", last_name="One")
    client.force_login(admin_user)

    page = client.post(URL, {"mode": "list", "references": "s1\nNOPE-9, S1"}).content.decode()

    assert "<strong>1</strong> learner in this sample." in page
    assert "1 reference matched no record" in page
    assert "<li>NOPE-9</li>" in page
    assert "Sam One" in page
    assert "Start: audit sample of 1 learner" in page
    assert not Job.objects.filter(kind=KIND).exists()


def test_a_list_with_no_match_cannot_be_started(client, admin_user):
    client.force_login(admin_user)

    page = client.post(URL, {"mode": "list", "references": "X1 X2", "confirmed": "1"}).content.decode()

    assert "No record matches: there is nothing to put in an audit sample." in page
    assert "Start: audit sample" not in page
    assert not Job.objects.filter(kind=KIND).exists()


def test_ulns_match_only_for_staff_who_may_see_prior_attainment(admin_user, tutor):
    LearnerFactory(learner_ref="U1", uln=uln("100000001"))
    text = f"{uln('100000001')} U1"

    with_right = references_resolve(text=text, by_uln=True)
    without = references_resolve(text=text, by_uln=False)

    assert [each.learner_ref for each in with_right.learners] == ["U1"]
    assert with_right.not_found == []
    assert [each.learner_ref for each in without.learners] == ["U1"]
    assert without.not_found == [uln("100000001")]


def test_the_not_known_uln_names_nobody(db):
    LearnerFactory(learner_ref="N1", uln="9999999999")

    found = references_resolve(text="N1 9999999999", by_uln=True)

    assert [each.learner_ref for each in found.learners] == ["N1"]
    assert found.not_found == ["9999999999"]


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(db):
    Learner.objects.bulk_create(
        [Learner(learner_ref=f"D{n:04}", first_name="Dee", last_name=f"Draw{n}") for n in range(400)]
    )
    cohort = Learner.objects.all()

    first = cohort_sample(learners=cohort, size=30, seed=424242)
    again = cohort_sample(learners=Learner.objects.order_by("-learner_ref"), size=30, seed=424242)
    other = cohort_sample(learners=cohort, size=30, seed=424243)

    assert len(first.ids) == 30
    assert first.ids == again.ids
    assert set(first.ids) != set(other.ids)
    assert (first.seed, first.cohort_size) == (424242, 400)
    assert [each.learner_ref for each in first.learners] == sorted(each.learner_ref for each in first.learners)


def test_the_page_shows_a_seed_and_accepts_one_typed_to_draw_the_same_learners_again(client, admin_user):
    Learner.objects.bulk_create(
        [Learner(learner_ref=f"K{n:03}", first_name="Kay", last_name=f"Cohort{n}") for n in range(120)]
    )
    client.force_login(admin_user)

    shown = client.get(URL).content.decode()
    seed = re.search(r'name="seed" value="(\d{6})"', shown)
    assert seed is not None, shown

    def drawn() -> list[str]:
        page = client.post(URL, {"mode": "draw", "size": "10", "seed": seed.group(1)}).content.decode()
        assert f"with seed <strong>{seed.group(1)}</strong>" in page
        assert "Drawn from a cohort of 120 records (every record)" in page
        return re.findall(r">(K\d{3})</a></th>", page)

    first = drawn()
    assert len(first) == 10
    assert drawn() == first


def test_the_draw_uses_the_reports_cohort_filters(client, admin_user):
    LearnerFactory(learner_ref="IN1", start_date=dt.date(2026, 9, 7))
    LearnerFactory(learner_ref="OUT1", start_date=dt.date(2026, 1, 7))
    client.force_login(admin_user)

    page = client.post(
        URL, {"mode": "draw", "size": "5", "seed": "123456", "start_from": "2026-09-01"}
    ).content.decode()

    assert "Drawn from a cohort of 1 record (Start date from: 1 Sep 2026)" in page
    assert ">IN1</a>" in page
    assert ">OUT1</a>" not in page


def test_the_zip_holds_each_pack_a_manifest_whose_hashes_match_the_files_and_the_cover(
    client, admin_user, django_capture_on_commit_callbacks
):
    learners = [LearnerFactory(learner_ref=f"Z{n}", uln=uln(f"2000000{n}1")) for n in range(1, 4)]
    for n, learner in enumerate(learners):
        store(learner, item(n + 1, "Maths Entry 3", when=SEP))
    client.force_login(admin_user)

    job = make_sample(
        client,
        {"mode": "list", "references": f"Z1 {uln('200000021')}, missing-1\nZ3"},
        django_capture_on_commit_callbacks,
    )

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert "3 evidence packs in the zip. 1 reference matched no record" in job.message
    archive = zip_of(client, job)
    packs = sorted(name for name in archive.namelist() if name.startswith("evidence-pack-"))
    assert sorted(archive.namelist()) == sorted([*packs, "manifest.csv", "cover.pdf"])
    assert len(packs) == 3
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    made = [row for row in manifest if row["file"]]
    assert sorted(row["file"] for row in made) == packs
    for row in made:
        assert row["sha256"] == hashlib.sha256(archive.read(row["file"])).hexdigest()
    assert {(row["reference"], row["uln"]) for row in made} == {(each.learner_ref, each.uln) for each in learners}
    assert [row for row in manifest if not row["file"]] == [
        {
            "reference": "missing-1",
            "uln": "",
            "file": "",
            "sha256": "",
            "note": "No record has this reference or ULN: no pack.",
        }
    ]
    cover = text_of(archive.read("cover.pdf"))
    assert "Audit sample: 3 evidence packs" in cover
    assert f"by {admin_user.get_username()}" in cover
    assert "Chosen from a list of learner references and ULNs." in cover
    assert "missing-1" in cover
    assert "sha256sum" in cover
    for row in made:
        assert row["sha256"] in cover  # whole, on one line, as a reader copies it


def test_each_pack_is_recorded_in_the_audit_trail_and_so_is_the_sample(
    client, admin_user, django_capture_on_commit_callbacks
):
    for n in range(2):
        LearnerFactory(learner_ref=f"A{n}")
    client.force_login(admin_user)

    job = make_sample(client, {"mode": "draw", "size": "2", "seed": "777"}, django_capture_on_commit_callbacks)

    assert sorted(EvidencePack.objects.values_list("learner__learner_ref", flat=True)) == ["A0", "A1"]
    assert EvidencePack.objects.filter(made_by=admin_user, in_bulk=True).count() == 2
    entries = [entry for entry in audit_entries(source="audit_samples") if entry.source == "Audit samples"]
    assert [entry.what for entry in entries] == [f"Audit sample job {job.pk}"]
    assert ("Chosen", "at random, seed 777") in [(change.label, change.new) for change in entries[0].changes]
    cover = text_of(zip_of(client, job).read("cover.pdf"))
    assert "with seed 777" in cover


def test_packs_show_aims_and_prior_attainment_only_to_those_with_the_right(
    client, admin_user, tutor, django_capture_on_commit_callbacks
):
    learner = LearnerFactory(learner_ref="P1", uln=uln("300000001"), gcse_maths_grade="3", gcse_english_grade="5")
    LearningAim.objects.create(
        learner=learner,
        aim_seq_number=1,
        learn_aim_ref="60342697",
        aim_type=3,
        fund_model=25,
        start_date=dt.date(2026, 9, 7),
        planned_end_date=dt.date(2027, 6, 30),
        comp_status=1,
    )

    def pack_text(user) -> str:
        client.force_login(user)
        job = make_sample(client, {"mode": "list", "references": "P1"}, django_capture_on_commit_callbacks)
        archive = zip_of(client, job)
        Job.objects.filter(pk=job.pk).delete()
        return text_of(archive.read(next(n for n in archive.namelist() if n.startswith("evidence-pack-"))))

    shown = pack_text(admin_user)
    assert "Prior attainment" in shown
    assert "Grade 3" in shown
    assert "Learning aims (1)" in shown
    assert "60342697" in shown
    # The record's ILR cross-check findings go with it: grade 3 in maths and no EDF.
    assert "ILR cross-check findings (1)" in shown
    assert "maths_grade_without_edf" in shown.replace("\n", "")
    hidden = pack_text(tutor)
    assert "Prior attainment" not in hidden
    assert "ILR cross-check" not in hidden
    assert "60342697" not in hidden


def test_the_evidence_zip_cap_holds_for_a_sample_and_says_so_before_starting(client, admin_user, settings):
    settings.EVIDENCE_ZIP_MAX_RECORDS = 2
    for n in range(3):
        LearnerFactory(learner_ref=f"C{n}")
    client.force_login(admin_user)

    listed = client.post(URL, {"mode": "list", "references": "C0 C1 C2", "confirmed": "1"}).content.decode()
    drawn = client.post(URL, {"mode": "draw", "size": "3", "seed": "1"}).content.decode()

    assert "You selected 3 records; an evidence zip holds at most 2." in listed
    assert "Start: audit sample" not in listed
    assert "An audit sample holds at most 2 learners." in drawn
    assert not Job.objects.filter(kind=KIND).exists()


def test_a_start_refused_after_the_check_says_why_on_the_page(client, admin_user):
    LearnerFactory(learner_ref="R1")
    client.force_login(admin_user)
    running = Job.objects.create(kind=KIND, status=Job.Status.RUNNING, started_by=admin_user, total=5)

    response = client.post(URL, {"mode": "list", "references": "R1", "confirmed": "1"}, HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == URL
    page = client.get(URL).content.decode()
    assert f"Your audit sample job {running.pk} (0 of 5 records) is still running" in page
    assert Job.objects.filter(kind=KIND).count() == 1
