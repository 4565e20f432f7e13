"""The retention run: records past their period are anonymised, everything else stays exactly as it was,
and the reports count the same; bksb results past theirs are deleted; each run is in the audit trail."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from celery import current_app
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bksb_integration.levels.cohort import cohort_report
from bksb_integration.models import (
    AssessmentSession,
    BksbLink,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    LearnerLevel,
    RunLearner,
    SkillResult,
    UsernameProbe,
)
from learners.models import Kind, Learner, LearningStatus, WebUser
from permissions.audit import audit_entries
from privacy.anonymise import KEPT, admin_log_of, learners_anonymise, school_year_of_birth_end
from privacy.erasure import audit_hold_set
from privacy.models import AnonymisedRecord, PrivacyEvent, RecordKind
from privacy.retention import months_before, retention_periods_set, retention_plan, retention_run
from signin.models import SignInEvent
from tests.factories import LearnerFactory
from tests.privacy.support import learner_with_everything, rows_about, snapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_AGO = TODAY - dt.timedelta(days=3 * 365)
LATELY = TODAY - dt.timedelta(days=180)


def _report(learners) -> object:
    report = cohort_report(learners=learners)
    return (report.size, report.levels, report.assessed, report.movement, report.grids, report.flags)


def _list_counts() -> list[dict[str, object]]:
    fields = ("kind", "system_status", "learning_status", "provision_type", "start_date", "end_date")
    return list(Learner.objects.values(*fields).annotate(n=Count("pk")).order_by(*fields))


@pytest.fixture
def population(admin_user):
    """Past the period: a learner who finished long ago and an applicant who never enrolled. Inside it or held:
    a learner who finished lately, one still in learning, a new applicant, and a finished one on audit hold."""
    over = {"learning_status": LearningStatus.COMPLETED}
    people = {
        "old_learner": learner_with_everything(end_date=LONG_AGO, **over),
        "old_applicant": learner_with_everything(kind=Kind.APPLICANT, start_date=None),
        "recent_learner": learner_with_everything(end_date=LATELY, **over),
        "still_learning": learner_with_everything(end_date=LONG_AGO),
        "new_applicant": learner_with_everything(kind=Kind.APPLICANT, start_date=None),
        "held_learner": learner_with_everything(end_date=LONG_AGO, **over),
    }
    Learner.objects.filter(pk=people["old_applicant"].pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    audit_hold_set(learner=people["held_learner"], reason="Ofsted audit 2026", by=admin_user)
    retention_periods_set(
        periods={RecordKind.LEARNERS: 24, RecordKind.APPLICANTS: 12, RecordKind.BKSB_RESULTS: None}, by=admin_user
    )
    return people


def test_nothing_is_due_until_an_admin_sets_a_period():
    LearnerFactory(learning_status=LearningStatus.COMPLETED, end_date=dt.date(2001, 1, 1))
    plan = retention_plan()
    assert not plan.anything_set
    assert plan.counts() == dict.fromkeys(plan.counts(), 0)
    assert retention_run(by=None) is None
    assert not PrivacyEvent.objects.filter(action=PrivacyEvent.Action.RETENTION_RUN).exists()


def test_records_past_the_period_are_anonymised_and_nothing_else_changes(population):
    kept = ("recent_learner", "still_learning", "new_applicant", "held_learner")
    before = {name: snapshot(population[name]) for name in kept}
    report_before, list_before = _report(Learner.objects.all()), _list_counts()

    event = retention_run(by=None)

    assert event is not None
    assert {name: snapshot(population[name]) for name in kept} == before
    assert _report(Learner.objects.all()) == report_before
    assert _list_counts() == list_before
    assert event.counts["done"]["records"] == 2
    assert set(AnonymisedRecord.objects.values_list("learner_id", flat=True)) == {
        population["old_learner"].pk,
        population["old_applicant"].pk,
    }


def test_an_anonymised_record_names_no_one_and_keeps_only_what_reports_count(population):
    old = population["old_learner"]
    names = (old.first_name, old.last_name, old.email, old.learner_ref, old.bksb_username, old.uln)
    web_username = old.web_user.username

    retention_run(by=None)

    old.refresh_from_db()
    assert (old.learner_ref, old.full_name, old.email, old.uln) == (f"ANON-{old.pk}", "Anonymised record", "", "")
    # Born 17 May 2004 (the factory's): now the last day of that school year, so ages on 31 August stay.
    assert old.date_of_birth == dt.date(2004, 8, 31)
    assert (old.bksb_user, old.bksb_username, old.learning_status, old.end_date) == (
        False,
        "",
        LearningStatus.COMPLETED,
        LONG_AGO,
    )
    assert not any(name.lower() in old.search_text for name in names)
    assert not User.objects.filter(username=web_username).exists()
    assert not WebUser.objects.filter(learner=old).exists()
    assert not SignInEvent.objects.filter(username=web_username).exists()
    assert not UsernameProbe.objects.filter(username=names[4]).exists()
    left = {label for label, pks in rows_about(old).items() if pks}
    assert left <= KEPT
    assert {"bksb_integration.LearnerLevel", "learners.LearningAim", "privacy.AnonymisedRecord"} <= left
    for model in (InitialAssessmentResult, DiagnosticAssessmentResult, AssessmentSession, BksbLink):
        assert not model.objects.filter(learner=old).exists()
    assert not SkillResult.objects.filter(session__learner=old).exists()
    assert LearnerLevel.objects.filter(learner=old, bksb_user_id__isnull=False).count() == 0
    assert RunLearner.objects.get(learner=old).error == ""
    assert admin_log_of([old.pk]).get().object_repr == f"ANON-{old.pk}"
    history = Learner.history.filter(id=old.pk)
    assert not history.filter(first_name=names[0]).exists()
    assert not history.filter(learner_ref=names[3]).exists()


def test_the_list_search_finds_an_anonymised_record_by_its_new_reference_only(population, client, admin_user):
    old = population["old_learner"]
    words = (old.first_name, old.last_name, old.email, old.learner_ref, old.bksb_username, old.web_user.username)
    client.force_login(admin_user)

    def found(query: str) -> bool:
        return f"/learners/{old.pk}/" in client.get("/learners/", {"q": query}).text

    assert all(found(word) for word in words)

    retention_run(by=None)

    assert not any(found(word) for word in words)
    assert found(f"ANON-{old.pk}")
    assert found("anonymised record")


def test_a_hold_set_after_the_run_read_its_plan_still_counts(population, admin_user, monkeypatch):
    read = retention_plan()
    # The plan as the run read it, a moment before the hold: its learners fixed by id.
    plan = dataclasses.replace(
        read, learners=Learner.objects.filter(pk__in=list(read.learners.values_list("pk", flat=True)))
    )
    old = population["old_learner"]
    audit_hold_set(learner=old, reason="Set while the run was starting", by=admin_user)
    before = snapshot(old)
    monkeypatch.setattr("privacy.retention.retention_plan", lambda **kwargs: plan)

    event = retention_run(by=None)

    assert event is not None
    assert event.counts["done"]["records"] == 1
    assert snapshot(old) == before


def test_a_second_run_finds_nothing_more_to_do(population):
    retention_run(by=None)
    again = retention_run(by=None)
    assert again is not None
    assert again.counts["done"].get("records", 0) == 0


def test_bksb_results_past_their_period_are_deleted_except_a_held_records(population, admin_user):
    periods = {RecordKind.LEARNERS: None, RecordKind.APPLICANTS: None, RecordKind.BKSB_RESULTS: 1}
    retention_periods_set(periods=periods, by=admin_user)
    recent = population["recent_learner"]
    InitialAssessmentResult.objects.filter(learner=recent).update(result_date=timezone.now())
    held = population["held_learner"]
    held_rows = snapshot(held)

    event = retention_run(by=None)

    assert event is not None
    assert InitialAssessmentResult.objects.filter(learner=recent).count() == 1
    assert not DiagnosticAssessmentResult.objects.filter(learner=recent).exists()
    assert not AssessmentSession.objects.filter(learner=recent).exists()
    assert snapshot(held) == held_rows
    assert not AnonymisedRecord.objects.exists()
    done = event.counts["done"]
    assert done["bksb_integration.InitialAssessmentResult"] == 4  # the other four records' results
    assert done["bksb_integration.SkillResult"] == 5


def test_each_run_is_in_the_audit_trail(population):
    retention_run(by=None)
    entries = [entry for entry in audit_entries(source="privacy") if entry.action == "Retention run"]
    assert len(entries) == 1
    changes = {change.label: change.new for change in entries[0].changes}
    assert changes["records"] == "2"
    assert entries[0].who.startswith("system")


def test_the_dry_run_lists_what_a_run_would_do_and_changes_nothing(population, capsys):
    before = snapshot(population["old_learner"])
    call_command("privacy_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "Learners to anonymise: 1" in out
    assert "Applicants never enrolled to anonymise: 1" in out
    assert "under an audit hold (left alone): 1" in out
    assert f"Learner {population['old_learner'].learner_ref}" in out
    assert f"Applicant {population['old_applicant'].learner_ref}" in out
    assert "Dry run: nothing was changed." in out
    assert snapshot(population["old_learner"]) == before
    assert not PrivacyEvent.objects.filter(action=PrivacyEvent.Action.RETENTION_RUN).exists()


def test_the_command_runs_retention(population, capsys):
    call_command("privacy_retention")
    assert "Done: 2 records anonymised." in capsys.readouterr().out


def test_a_date_of_birth_becomes_the_end_of_its_school_year():
    assert school_year_of_birth_end(dt.date(2004, 9, 1)) == dt.date(2005, 8, 31)
    assert school_year_of_birth_end(dt.date(2005, 8, 31)) == dt.date(2005, 8, 31)
    assert school_year_of_birth_end(dt.date(2005, 1, 1)) == dt.date(2005, 8, 31)


def test_a_period_is_counted_in_calendar_months():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 24) == dt.date(2024, 1, 15)


def test_anonymising_takes_as_many_queries_for_six_records_as_for_two():
    used = []
    for n in (2, 6):
        ids = [learner_with_everything().pk for _ in range(n)]
        event = PrivacyEvent.objects.create(action=PrivacyEvent.Action.RETENTION_RUN)
        with CaptureQueriesContext(connection) as queries:
            done = learners_anonymise(learner_ids=ids, event=event)
        assert done["records"] == n
        used.append(len(queries.captured_queries))
    assert used[0] == used[1]


def test_beat_runs_it_nightly_through_the_registered_task(population):
    scheduled = PeriodicTask.objects.select_related("crontab").get(
        name="privacy: anonymise records past their retention period"
    )
    assert (scheduled.crontab.hour, scheduled.crontab.minute, scheduled.enabled) == ("4", "15", True)
    done = current_app.tasks[scheduled.task].delay().get()
    assert done["records"] == 2
