"""The forms of Record a decision and Record a judgement (the services check the rules; these only read input)."""

from __future__ import annotations

from django import forms

from bksb_integration.decisions.judgement_files import ACCEPTED_WORDS, MAX_BYTES
from bksb_integration.decisions.record import NOT_ACCEPTED
from bksb_integration.models import DecisionKind, ExemptionEvidence, Level
from bksb_integration.models.decisions import EM_SUBJECT_CHOICES, JUDGED_SUBJECT_CHOICES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionForm(forms.Form):
    subject = forms.ChoiceField(label="Subject", choices=EM_SUBJECT_CHOICES)
    kind = forms.ChoiceField(label="Decision", choices=DecisionKind.choices)
    evidence = forms.ChoiceField(
        label="Exemption evidence",
        choices=[("", "Not an exemption"), *ExemptionEvidence.choices],
        required=False,
        help_text=f"For an exemption only: the evidence of prior attainment held. {NOT_ACCEPTED}",
    )
    last_learning_date = forms.DateField(
        label="Last day of learning", required=False, widget=DATE, help_text="For a withdrawal only."
    )
    decided_on = forms.DateField(label="Decision date", widget=DATE)
    discussed_by = forms.CharField(label="Discussed with the learner by", max_length=150)
    plan_resigned_on = forms.DateField(label="Training plan re-signed on", required=False, widget=DATE)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    supersedes = forms.TypedChoiceField(
        label="Corrects entry", coerce=int, required=False, empty_value=None, choices=[("", "None: a new decision")]
    )
    supersede_reason = forms.CharField(
        label="Why the earlier entry was wrong",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when this entry corrects an earlier one; both stay in the history.",
    )

    def __init__(self, *args: object, current: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["supersedes"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "None: a new decision"), *(current or [])]


class JudgementForm(forms.Form):
    subject = forms.ChoiceField(label="Subject", choices=JUDGED_SUBJECT_CHOICES)
    level = forms.ChoiceField(label="Judged level", choices=[("", "Choose a level"), *Level.choices])
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(
        label="Attached file (optional)",
        required=False,
        help_text=f"{ACCEPTED_WORDS[0].upper()}{ACCEPTED_WORDS[1:]}, up to {MAX_BYTES // 1024 // 1024} MB.",
    )
