"""Caseloads: with them on, staff restricted to their own caseload reach no other record, anywhere."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bksb_integration.evidence.sample import references_resolve
from bksb_integration.models import InitialAssessmentResult, Run, RunLearner
from jobs.models import Job
from learners.caseload import caseload_learners
from learners.importing import learners_import
from learners.models import CaseloadGroup, Learner, LearningAim
from tests.factories import LearnerFactory
from tests.permissions.test_access_matrix import EXPECTED, PERSONAS, _address, world  # noqa: F401
from tests.support import configure

pytestmark = pytest.mark.django_db

MANAGER = PERSONAS.index("manager")


def _restrict(user, *groups: str) -> None:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="permissions", codename="own_caseload_only")
    )
    CaseloadGroup.objects.bulk_create([CaseloadGroup(user=user, tutor_group=group) for group in groups])


@pytest.fixture
def caseloads_on(settings):
    settings.CASELOADS_ENABLED = True


def test_the_import_reads_the_tutor_group_and_tutor_columns():
    header = "learner_ref,kind,first_name,last_name,email,date_of_birth,system_status,learning_status,"
    header += "start_date,end_date,web_username,bksb_user,bksb_username,tutor_group,tutor\n"
    text = header + "C001,learner,Ada,Ames,,,,,,,,,,MATHS-1A,J.Smith@College.ac.uk\n"

    summary = learners_import(rows=io.StringIO(text), skip_invalid=False, dry_run=False)

    assert summary.created == 1
    learner = Learner.objects.get(learner_ref="C001")
    assert (learner.tutor_group, learner.tutor) == ("MATHS-1A", "j.smith@college.ac.uk")


def test_a_file_with_one_caseload_column_is_refused():
    header = "learner_ref,kind,first_name,last_name,email,date_of_birth,system_status,learning_status,"
    header += "start_date,end_date,web_username,bksb_user,bksb_username,tutor_group\n"
    from learners.importing import ImportFileError

    with pytest.raises(ImportFileError, match="the caseload columns go together: tutor_group, tutor"):
        learners_import(
            rows=io.StringIO(header + "C002,learner,Bo,Bell,,,,,,,,,,G1\n"), skip_invalid=False, dry_run=False
        )


def test_a_restricted_tutor_lists_and_exports_only_their_records(client, tutor, caseloads_on):
    mine = LearnerFactory(last_name="Mine", tutor_group="G1")
    named = LearnerFactory(last_name="Named", tutor="tutor1")
    LearnerFactory(last_name="Other", tutor_group="G2")
    _restrict(tutor, "G1")
    client.force_login(tutor)

    page = client.get(reverse("learners:list")).content.decode()
    export = client.get(reverse("learners:export")).getvalue().decode()

    assert ("Mine" in page, "Named" in page, "Other" in page) == (True, True, False)
    assert (mine.learner_ref in export, named.learner_ref in export, "Other" in export) == (True, True, False)


def test_caseloads_off_or_a_superuser_restricts_nothing(client, tutor, admin_user, settings):
    LearnerFactory(last_name="Other", tutor_group="G2")
    _restrict(tutor, "G1")
    client.force_login(tutor)
    assert "Other" in client.get(reverse("learners:list")).content.decode()  # CASELOADS_ENABLED is off

    settings.CASELOADS_ENABLED = True
    _restrict(admin_user)
    client.force_login(admin_user)
    assert "Other" in client.get(reverse("learners:list")).content.decode()


def test_every_record_address_is_hidden_outside_the_caseload_and_open_inside_it(world, caseloads_on):  # noqa: F811
    """Every named address about one record (learners/<pk>/...) answers 404 to a restricted manager whose
    caseload does not hold the record, and what the access table says once it does."""
    manager = world["users"]["manager"]
    learner = Learner.objects.get(pk=world["objects"]["pk"])
    _restrict(manager, "G1")
    client = Client()
    client.force_login(manager)
    # Every address under /learners/<the record's id>/, and the status of the record's own BKSB Results run.
    record_addresses = [name for name in sorted(EXPECTED) if _route(name, world["objects"]).startswith("/learners/")]
    record_addresses = [name for name in record_addresses if _route(name, world["objects"]).split("/")[2].isdigit()]
    record_addresses.append("jobs:status (a learner's BKSB Results)")
    assert len(record_addresses) >= 15

    outside = {name: client.get(_address(name, world["objects"])).status_code for name in record_addresses}
    learner.tutor_group = "G1"
    learner.save()
    inside = {name: client.get(_address(name, world["objects"])).status_code for name in record_addresses}

    assert outside == dict.fromkeys(record_addresses, 404)
    assert inside == {name: EXPECTED[name][MANAGER] for name in record_addresses}


def _route(name: str, objects: dict[str, object]) -> str:
    """The address itself: a record's pages are /learners/<its id>/..."""
    return _address(name, objects)


def test_exports_and_reports_count_only_the_caseload(client, manager, caseloads_on):
    configure("https://bksb.example.test/", key="k", secret="s")
    mine = LearnerFactory(learner_ref="MINE1", tutor_group="G1")
    other = LearnerFactory(learner_ref="OTHER1", tutor_group="G2")
    when = timezone.now()
    for learner in (mine, other):
        InitialAssessmentResult.objects.create(
            learner=learner, bksb_user_id=learner.pk, session_id=learner.pk, assessment_id=1,
            assessment_name="Maths initial", course_subject="MATHS", result="Level 1", result_date=when,
            first_seen_at=when, last_changed_at=when,
        )  # fmt: skip
    _restrict(manager, "G1")
    client.force_login(manager)

    results = client.get(reverse("bksb:export_all")).getvalue().decode()
    report = client.get(reverse("bksb:reports_csv")).getvalue().decode()
    unmatched = client.get(reverse("bksb:unmatched")).content.decode()

    assert ("MINE1" in results, "OTHER1" in results) == (True, False)
    assert "OTHER1" not in report
    assert "OTHER1" not in unmatched


def test_an_admin_gives_a_restricted_person_their_tutor_groups(client, admin_user, tutor, caseloads_on):
    _restrict(tutor)
    LearnerFactory(tutor_group="MATHS-1A")
    client.force_login(admin_user)

    page = client.get(reverse("learners:caseloads")).content.decode()
    assert "tutor1" in page
    answer = client.post(
        reverse("learners:caseloads"),
        {"user": tutor.pk, f"u{tutor.pk}-tutor_groups": "MATHS-1A, ENG-2B,MATHS-1A"},
        follow=True,
    ).content.decode()

    assert "tutor1&#x27;s caseload: ENG-2B, MATHS-1A." in answer
    assert sorted(CaseloadGroup.objects.filter(user=tutor).values_list("tutor_group", flat=True)) == [
        "ENG-2B",
        "MATHS-1A",
    ]


def test_the_ilr_cross_check_and_the_audit_sample_keep_to_the_caseload(client, manager, caseloads_on):
    mine = LearnerFactory(learner_ref="MINE2", tutor_group="G1", gcse_english_grade="3")
    other = LearnerFactory(learner_ref="OTHER2", tutor_group="G2", gcse_english_grade="3")
    for learner in (mine, other):
        LearningAim.objects.create(
            learner=learner, aim_seq_number=1, learn_aim_ref="60189139", aim_type=3, fund_model=25,
            start_date=dt.date(2025, 9, 1), planned_end_date=dt.date(2026, 6, 30), comp_status=1,
        )  # fmt: skip
    _restrict(manager, "G1")
    client.force_login(manager)

    report = client.get(reverse("bksb:crosscheck")).content.decode()
    sample = references_resolve(text="MINE2 OTHER2", by_uln=False, among=caseload_learners(manager))

    assert ("MINE2" in report, "OTHER2" in report) == (True, False)
    assert ([learner.learner_ref for learner in sample.learners], sample.not_found) == (["MINE2"], ["OTHER2"])


def test_work_for_everyone_and_others_work_stay_out_of_a_caseload(client, manager, admin_user, caseloads_on):
    configure("https://bksb.example.test/", key="k", secret="s")
    mine = LearnerFactory(learner_ref="MINE3", last_name="Mine", tutor_group="G1")
    other = LearnerFactory(learner_ref="OTHER3", last_name="Otherton", tutor_group="G2")
    run = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.SUCCEEDED)
    for learner in (mine, other):
        RunLearner.objects.create(run=run, learner=learner, status=RunLearner.Status.FAILED, error="timeout")
    theirs = Job.objects.create(kind="bksb_match", status=Job.Status.SUCCEEDED, started_by=admin_user)
    _restrict(manager, "G1")
    client.force_login(manager)

    refused = client.post(reverse("bksb:get_results"), follow=True).content.decode()
    run_page = client.get(reverse("bksb:run_detail", args=[run.pk])).content.decode()
    match_page = client.get(reverse("bksb:match")).content.decode()

    assert "You see your own caseload only" in refused
    assert not Run.objects.exclude(pk=run.pk).exists()
    assert ("Mine" in run_page, "Otherton" in run_page) == (True, False)
    assert 'data-confirm="Look for all 1 unlinked record in bksb?"' in match_page  # theirs, not the other
    assert client.get(reverse("jobs:status", args=["job", theirs.pk])).status_code == 404
    assert client.get(reverse("bksb:match_review", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("permissions:audit")).status_code == 403


def test_each_tutor_group_given_or_taken_away_is_in_the_audit_trail(client, admin_user, tutor, caseloads_on):
    """Who could see which records, and since when: the auditor reads it in the audit trail, with who changed it."""
    _restrict(tutor)
    client.force_login(admin_user)
    save = reverse("learners:caseloads")
    client.post(save, {"user": tutor.pk, f"u{tutor.pk}-tutor_groups": "MATHS-1A, ENG-2B"})
    client.post(save, {"user": tutor.pk, f"u{tutor.pk}-tutor_groups": "ENG-2B"})

    trail = client.get(reverse("permissions:audit"), {"source": "caseloads"}).content.decode()

    assert trail.count("Caseload of tutor1") == 3  # two given, one taken away; keeping ENG-2B is no change
    assert "Deleted" in trail
    assert "Created" in trail
    assert "MATHS-1A" in trail
    assert "ENG-2B" in trail
    assert admin_user.get_username() in trail
