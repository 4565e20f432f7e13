"""Forms of Integrations > bksb > Tags and funding: a tag rule, and the funding flags' thresholds."""

from __future__ import annotations

from typing import Any

from django import forms

from bksb_integration.models import BksbSettings, Level, Subject, TagRule

TAG_SUBJECTS = [(value, label) for value, label in Subject.choices if value != Subject.OTHER]


class TagRuleForm(forms.ModelForm[TagRule]):
    name = forms.CharField(
        label="Tag",
        max_length=100,
        help_text="What the record carries, e.g. “Maths support: Entry”.",
    )
    subject = forms.ChoiceField(label="Subject", choices=TAG_SUBJECTS)
    basis = forms.ChoiceField(label="Look at", choices=TagRule.Basis.choices)
    levels = forms.MultipleChoiceField(
        label="Levels",
        choices=Level.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The record carries the tag when that initial assessment level is one of these.",
    )
    active = forms.BooleanField(label="Active", required=False, initial=True)

    class Meta:
        model = TagRule
        fields = ["name", "subject", "basis", "levels", "active"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the tag's text.")
        taken = TagRule.objects.filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Another rule gives this tag already; give this one another name.")
        return name

    def clean_levels(self) -> list[str]:
        # Stored lowest first, whatever order the boxes were ticked in.
        chosen = set(self.cleaned_data["levels"])
        return [value for value in Level.values if value in chosen]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("active", True)


class FundingThresholdsForm(forms.ModelForm[BksbSettings]):
    funding_entitlement_below = forms.ChoiceField(
        label="English and maths: fully funded entitlement when assessed below",
        choices=Level.choices,
        help_text="Today Level 2 (grade 4 equivalent).",
    )
    funding_digital_below = forms.ChoiceField(
        label="Digital: flag when assessed below", choices=Level.choices, help_text="Today Level 1."
    )
    funding_prior_knowledge_from = forms.ChoiceField(
        label="Prior knowledge shown at or above",
        choices=Level.choices,
        help_text="English and maths; a candidate for reduced hours. Today Level 1.",
    )

    class Meta:
        model = BksbSettings
        fields = ["funding_entitlement_below", "funding_digital_below", "funding_prior_knowledge_from"]
