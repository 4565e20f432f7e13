"""The Audit sample page's two forms: a pasted list of references (or ULNs), and a draw from a cohort."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from bksb_integration.evidence.sample import PASTED_MAX, references_parse

DEFAULT_SIZE = 30
SEED_MAX = 999_999_999


class SampleListForm(forms.Form):
    references = forms.CharField(
        label="Learner references",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=PASTED_MAX,
        help_text="One per line, or separated by commas or spaces.",
        error_messages={"required": "Paste the references to put in the sample."},
    )

    def __init__(self, *args: Any, by_uln: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if by_uln:
            self.fields["references"].label = "Learner references or ULNs"

    def clean_references(self) -> str:
        tokens = references_parse(self.cleaned_data["references"])
        if not tokens:
            raise forms.ValidationError("Paste the references to put in the sample.")
        return " ".join(tokens)


class SampleDrawForm(forms.Form):
    size = forms.IntegerField(
        label="Number of learners",
        min_value=1,
        initial=DEFAULT_SIZE,
        help_text="Auditors typically ask for 30 per funding stream.",
    )
    seed = forms.IntegerField(
        label="Seed",
        min_value=0,
        max_value=SEED_MAX,
        help_text="The same seed draws the same learners again from the same cohort: keep it with the sample.",
        error_messages={"required": "Enter a seed: a whole number (the one shown, or one you kept)."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The evidence zip's own cap (evidence/bounds.py), read when the form is made so a setting change counts.
        cap = settings.EVIDENCE_ZIP_MAX_RECORDS
        self.fields["size"].validators.append(
            MaxValueValidator(cap, message=f"An audit sample holds at most {cap:,} learners.")
        )
        self.fields["size"].widget.attrs["max"] = cap
