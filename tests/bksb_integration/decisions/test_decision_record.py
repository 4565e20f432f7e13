"""The English and maths decision record: the rules of an entry, superseding, the latest decision, and that no
route edits or deletes an entry (the model, a queryset, the screens, the Django admin, the command)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bksb_integration.audit import decision_entries
from bksb_integration.decisions.judgements import judgement_record
from bksb_integration.decisions.record import (
    decision_history,
    decision_record,
    latest_decisions,
    latest_in_history,
)
from bksb_integration.models import Decision, Judgement, RecordIsAppendOnly
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 9, 1)


def _decide(learner, subject="maths", kind="opted_in", **extra):
    values = {"decided_on": DAY, "discussed_by": "Jo Tutor", "recorded_by": None} | extra
    return decision_record(learner=learner, subject=subject, kind=kind, **values)


def test_an_exemption_needs_accepted_evidence_and_the_refusal_says_a_screenshot_is_not_accepted(learner):
    with pytest.raises(ValidationError) as refused:
        _decide(learner, kind="exempt")
    assert "A screenshot of a results portal is not accepted." in refused.value.message_dict["evidence"][0]
    with pytest.raises(ValidationError):
        _decide(learner, kind="exempt", evidence="results_portal_screenshot")
    assert not Decision.objects.exists()

    exempt = _decide(learner, kind="exempt", evidence="plr")
    assert exempt.get_evidence_display() == "Personal Learning Record report"


def test_a_withdrawal_needs_the_last_day_of_learning_and_other_kinds_refuse_one(learner):
    with pytest.raises(ValidationError) as refused:
        _decide(learner, kind="withdrawn")
    assert "last_learning_date" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _decide(learner, kind="opted_out", last_learning_date=DAY)
    with pytest.raises(ValidationError) as future:
        _decide(learner, decided_on=dt.date.today() + dt.timedelta(days=1))
    assert "decided_on" in future.value.message_dict

    withdrawn = _decide(learner, kind="withdrawn", last_learning_date=dt.date(2026, 1, 30))
    assert withdrawn.last_learning_date == dt.date(2026, 1, 30)


def test_superseding_keeps_both_entries_says_why_and_the_correction_is_the_latest(learner):
    wrong = _decide(learner, kind="opted_out")
    with pytest.raises(ValidationError) as no_reason:
        _decide(learner, kind="opted_in", supersedes=wrong.pk)
    assert "supersede_reason" in no_reason.value.message_dict

    right = _decide(
        learner, kind="opted_in", supersedes=wrong.pk, supersede_reason="Recorded against the wrong learner"
    )

    [first, second] = decision_history(learner=learner)["maths"]
    assert (first.decision, first.current) == (right, True)
    assert (second.decision, second.superseded_by) == (wrong, right)
    assert latest_decisions([learner.pk])[(learner.pk, "maths")] == right
    Decision.objects.get(pk=wrong.pk)  # still there, unchanged
    assert Decision.objects.get(pk=wrong.pk).kind == "opted_out"
    trail = [(entry.action, entry.note) for entry in decision_entries()]
    assert trail == [
        (f"Maths decision added, superseding entry {wrong.pk}", "Recorded against the wrong learner"),
        ("Maths decision added", ""),
    ]


def test_the_audit_trail_page_shows_the_superseded_entry_and_its_correction(client, manager, learner):
    wrong = _decide(learner, kind="opted_out")
    _decide(learner, kind="opted_in", supersedes=wrong.pk, supersede_reason="The employer opted in")
    client.force_login(manager)

    page = client.get(reverse("permissions:audit"), {"source": "decisions"}).content.decode()

    assert f"Maths decision added, superseding entry {wrong.pk}" in page
    assert "The employer opted in" in page
    assert f"Opted out on 1 Sep 2025 (entry {wrong.pk})" in page
    assert f"Opted in on 1 Sep 2025 (entry {wrong.pk + 1})" in page


def test_an_entry_is_superseded_once_and_only_by_its_own_record_and_subject(learner):
    wrong = _decide(learner)
    _decide(learner, supersedes=wrong.pk, supersede_reason="Wrong date")
    with pytest.raises(ValidationError, match="already been superseded"):
        _decide(learner, supersedes=wrong.pk, supersede_reason="Again")
    other = _decide(LearnerFactory())
    with pytest.raises(ValidationError):
        _decide(learner, supersedes=other.pk, supersede_reason="Not mine")
    with pytest.raises(ValidationError):
        _decide(learner, subject="english", supersedes=wrong.pk, supersede_reason="Other subject")


def test_the_latest_decision_is_the_newest_by_date_for_many_records_in_one_query(learner, django_assert_num_queries):
    other = LearnerFactory()
    _decide(learner, kind="opted_in", decided_on=dt.date(2025, 10, 1))
    _decide(learner, kind="opted_out", decided_on=dt.date(2025, 9, 1))  # recorded later, decided earlier
    _decide(learner, subject="english", kind="exempt", evidence="certificate")
    _decide(other, kind="withdrawn", last_learning_date=DAY)

    with django_assert_num_queries(1):
        latest = latest_decisions([learner.pk, other.pk])

    assert {key: row.kind for key, row in latest.items()} == {
        (learner.pk, "maths"): "opted_in",
        (learner.pk, "english"): "exempt",
        (other.pk, "maths"): "withdrawn",
    }
    # The tab and the evidence pack read the same answer from the record's history.
    mine = latest_in_history(decision_history(learner=learner))
    assert mine == {subject: row for (owner, subject), row in latest.items() if owner == learner.pk}


def test_the_model_refuses_to_change_or_delete_an_entry_by_any_route(learner):
    entry = _decide(learner)
    entry.kind = "opted_out"
    with pytest.raises(RecordIsAppendOnly):
        entry.save()
    with pytest.raises(RecordIsAppendOnly):
        entry.delete()
    with pytest.raises(RecordIsAppendOnly):
        Decision.objects.filter(pk=entry.pk).update(kind="opted_out")
    with pytest.raises(RecordIsAppendOnly):
        Decision.objects.filter(pk=entry.pk).delete()
    with pytest.raises(RecordIsAppendOnly):
        Decision.objects.bulk_update([entry], ["kind"])
    assert Decision.objects.get(pk=entry.pk).kind == "opted_in"


def test_the_django_admin_shows_an_entry_but_neither_changes_nor_deletes_it(client, admin_user, learner):
    entry = _decide(learner)
    client.force_login(admin_user)
    change = reverse("admin:bksb_integration_decision_change", args=[entry.pk])

    page = client.get(change)
    assert page.status_code == 200
    assert b'name="kind"' not in page.content  # read only: no field to change
    assert client.post(change, {"kind": "opted_out"}).status_code == 403
    assert client.post(reverse("admin:bksb_integration_decision_delete", args=[entry.pk])).status_code == 403
    listing = client.get(reverse("admin:bksb_integration_decision_changelist"))
    assert b"delete_selected" not in listing.content
    assert client.get(reverse("admin:bksb_integration_decision_add")).status_code == 403
    assert Decision.objects.get(pk=entry.pk).kind == "opted_in"


def test_the_screen_only_adds_a_superseding_entry_never_changes_the_old_one(client, tutor, learner):
    entry = _decide(learner)
    client.force_login(tutor)
    url = reverse("bksb:decision_add", args=[learner.pk])
    form = {
        "subject": "maths", "kind": "opted_out", "decided_on": "2025-09-02", "discussed_by": "Jo Tutor",
        "supersedes": str(entry.pk), "supersede_reason": "The learner opted out, not in",
    }  # fmt: skip

    assert client.post(url, form).status_code == 302

    assert Decision.objects.get(pk=entry.pk).kind == "opted_in"
    assert Decision.objects.filter(supersedes=entry).get().kind == "opted_out"
    tab = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert f"Superseded by entry {entry.pk + 1}" in tab
    assert "The learner opted out, not in" in tab


def test_a_refused_decision_shows_why_on_the_form_and_records_nothing(client, tutor, learner):
    client.force_login(tutor)
    url = reverse("bksb:decision_add", args=[learner.pk])
    page = client.post(
        url, {"subject": "english", "kind": "exempt", "decided_on": "2025-09-02", "discussed_by": "Jo Tutor"}
    )

    assert page.status_code == 400
    assert "A screenshot of a results portal is not accepted." in page.content.decode()
    assert not Decision.objects.exists()


def test_recording_needs_the_right_reading_follows_the_record(client, staff_with, learner):
    reader = staff_with("view_learners", "bksb_module")
    client.force_login(reader)
    _decide(learner, kind="opted_out")

    assert client.get(reverse("bksb:decision_add", args=[learner.pk])).status_code == 403
    tab = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert "Opted out" in tab
    assert "Record a decision" not in tab


def test_the_command_lists_and_adds_but_has_no_way_to_edit_or_delete(learner):
    entry = _decide(learner)
    for action in ("edit", "delete", "change"):
        with pytest.raises(CommandError):
            call_command("bksb_decisions", action, learner.learner_ref, stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "bksb_decisions", "add", learner.learner_ref, "--subject", "maths", "--kind", "opted_out",
        "--decided-on", "2025-09-03", "--discussed-by", "Jo Tutor", "--supersedes", str(entry.pk),
        "--reason", "Opted out after all", stdout=out,
    )  # fmt: skip

    assert Decision.objects.get(pk=entry.pk).kind == "opted_in"
    assert f"[superseded by entry {entry.pk + 1}]" in out.getvalue()
    with pytest.raises(CommandError, match="already been superseded"):
        call_command(
            "bksb_decisions", "add", learner.learner_ref, "--subject", "maths", "--kind", "opted_in",
            "--decided-on", "2025-09-03", "--discussed-by", "Jo", "--supersedes", str(entry.pk), "--reason", "x",
            stdout=io.StringIO(),
        )  # fmt: skip


def test_only_the_learners_own_record_going_takes_its_decisions_and_judgements(learner):
    wrong = _decide(learner)
    _decide(learner, supersedes=wrong.pk, supersede_reason="Wrong date")
    judgement_record(learner=learner, subject="maths", level="entry_3", reason="Class work", recorded_by=None)

    learner.delete()

    assert not Decision.objects.exists()
    assert not Judgement.objects.exists()
