"""Erasure on request (refused under an audit hold), audit holds set and cleared with reasons, and the
Retention page's preview and periods: as staff see them, each recorded in the audit trail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from bksb_integration.decisions.judgement_files import judgement_file_path
from bksb_integration.models import Decision, Judgement
from learners.models import Learner, LearningStatus
from permissions.audit import audit_entries
from privacy.erasure import ALREADY, NO_REASON, ErasureRefused, audit_hold_set, learner_erase
from privacy.models import AnonymisedRecord, AuditHold, PrivacyEvent, RecordKind
from privacy.retention import retention_periods
from tests.factories import LearnerFactory
from tests.privacy.support import learner_with_everything, snapshot

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return [entry.action for entry in audit_entries(source="privacy")]


def test_erasure_is_refused_while_a_hold_is_set_and_nothing_changes(admin_user):
    learner = learner_with_everything()
    audit_hold_set(learner=learner, reason="Ofsted audit", by=admin_user)
    before = snapshot(learner)
    with pytest.raises(ErasureRefused, match=r"audit hold \(Ofsted audit\)"):
        learner_erase(learner=learner, reason="Asked by email on 1 Dec", by=admin_user)
    assert snapshot(learner) == before
    assert not PrivacyEvent.objects.filter(action=PrivacyEvent.Action.ERASURE).exists()


def test_erasure_anonymises_one_record_with_its_reason(admin_user):
    learner, other = learner_with_everything(), learner_with_everything()
    other_before = snapshot(other)
    [token] = Judgement.objects.filter(learner=learner).values_list("file_token", flat=True)
    assert judgement_file_path(token) is not None
    event = learner_erase(learner=learner, reason="Asked by email on 1 Dec", by=admin_user)
    learner.refresh_from_db()
    assert learner.learner_ref == f"ANON-{learner.pk}"
    assert not Decision.objects.filter(learner=learner).exists()
    assert not Judgement.objects.filter(learner=learner).exists()
    assert judgement_file_path(token) is None  # the judgement's attached file went with it
    assert AnonymisedRecord.objects.get(learner=learner).event == event
    assert snapshot(other) == other_before
    entry = next(e for e in audit_entries(source="privacy") if e.action == "Erased on request")
    assert (entry.who, entry.what, entry.note) == (admin_user.username, f"Learner ANON-{learner.pk}", event.reason)


def test_erasure_needs_a_reason_and_is_not_done_twice(admin_user):
    learner = LearnerFactory()
    with pytest.raises(ErasureRefused, match=re.escape(NO_REASON)):
        learner_erase(learner=learner, reason="  ", by=admin_user)
    learner_erase(learner=learner, reason="Request", by=admin_user)
    with pytest.raises(ErasureRefused, match=re.escape(ALREADY)):
        learner_erase(learner=learner, reason="Request", by=admin_user)


def test_an_admin_sets_and_clears_a_hold_on_the_record_page(client, admin_user):
    learner = LearnerFactory()
    client.force_login(admin_user)
    url = reverse("privacy:hold", args=[learner.pk])
    page = client.post(url, {"hold-reason": "Appeal pending", "set": ""}, follow=True).content.decode()
    assert "On hold" in page
    assert "Appeal pending" in page
    assert AuditHold.objects.get(learner=learner).set_by == admin_user
    page = client.post(url, {"hold-reason": "Appeal closed", "clear": ""}, follow=True).content.decode()
    assert "Audit hold cleared." in page
    assert not AuditHold.objects.exists()
    assert _actions() == ["Audit hold cleared", "Audit hold set"]


def test_a_hold_needs_a_reason(client, admin_user):
    learner = LearnerFactory()
    client.force_login(admin_user)
    response = client.post(reverse("privacy:hold", args=[learner.pk]), {"hold-reason": "", "set": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not AuditHold.objects.exists()


def test_the_record_page_refuses_erasure_under_a_hold_with_a_clear_message(client, admin_user):
    learner = LearnerFactory(first_name="Amira")
    audit_hold_set(learner=learner, reason="Claim", by=admin_user)
    client.force_login(admin_user)
    form = {"erase-reason": "Request", "erase-understood": "on"}
    response = client.post(reverse("privacy:erase", args=[learner.pk]), form)
    assert response.status_code == 409
    assert "This record is under an audit hold (Claim): it cannot be erased" in response.content.decode()
    assert Learner.objects.get(pk=learner.pk).first_name == "Amira"


def test_the_record_page_erases_once_confirmed(client, admin_user):
    learner = LearnerFactory(first_name="Amira")
    client.force_login(admin_user)
    url = reverse("privacy:erase", args=[learner.pk])
    unconfirmed = client.post(url, {"erase-reason": "Request"})
    assert unconfirmed.status_code == 400
    assert Learner.objects.get(pk=learner.pk).first_name == "Amira"
    page = client.post(url, {"erase-reason": "Request", "erase-understood": "on"}, follow=True).content.decode()
    assert f"Record erased: it is now ANON-{learner.pk}" in page
    assert "Anonymised record" in page


def test_the_retention_page_previews_without_saving_then_saves(client, admin_user):
    finished = LearnerFactory(learning_status=LearningStatus.COMPLETED, end_date=dt.date(2015, 7, 1))
    client.force_login(admin_user)
    url = reverse("privacy:retention")
    assert "Every kind of record is kept" in client.get(url).content.decode()
    form = {RecordKind.LEARNERS: "36", RecordKind.APPLICANTS: "", RecordKind.BKSB_RESULTS: ""}
    page = client.post(url, {**form, "preview": ""}).content.decode()
    assert "What a run would do with these periods (not saved)" in page
    assert finished.learner_ref in page
    assert retention_periods()[RecordKind.LEARNERS] is None
    page = client.post(url, {**form, "save": ""}, follow=True).content.decode()
    assert "Retention periods saved." in page
    assert "What the next nightly run will do" in page
    assert finished.learner_ref in page
    assert retention_periods()[RecordKind.LEARNERS] == 36
    change = next(e for e in audit_entries(source="privacy") if e.action == "Retention periods changed")
    assert ("Learners", "Keep", "36 months") in [(c.label, c.old, c.new) for c in change.changes]


def test_a_period_out_of_range_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("privacy:retention"), {RecordKind.LEARNERS: "0", "save": ""})
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert retention_periods()[RecordKind.LEARNERS] is None


def test_the_tab_and_the_menu_show_only_to_those_with_a_right(client, admin_user, manager, learner):
    client.force_login(manager)
    page = client.get(reverse("learners:detail", args=[learner.pk])).content.decode()
    assert "Data protection" not in page
    assert reverse("privacy:retention") not in page
    client.force_login(admin_user)
    page = client.get(reverse("learners:detail", args=[learner.pk])).content.decode()
    assert reverse("privacy:record", args=[learner.pk]) in page
    assert reverse("privacy:retention") in page


def test_the_audit_trail_page_shows_holds_and_erasures(client, admin_user):
    learner = LearnerFactory()
    audit_hold_set(learner=learner, reason="Claim 42", by=admin_user)
    client.force_login(admin_user)
    page = client.get(reverse("permissions:audit"), {"source": "privacy"}).content.decode()
    assert "Audit hold set" in page
    assert "Claim 42" in page
    assert f"Learner {learner.learner_ref}" in page
