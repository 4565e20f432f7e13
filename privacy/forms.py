"""The Retention page's periods, and the reasons an erasure or an audit hold is given with."""

from __future__ import annotations

from django import forms

from privacy.models import RecordKind
from privacy.retention import Periods

MAX_MONTHS = 1200
PERIOD_HELP = {
    RecordKind.LEARNERS: "Counted from the end date of a learner whose learning is over. Blank: keep.",
    RecordKind.APPLICANTS: "Counted from when the applicant's record came in (or its start date, if later). "
    "Blank: keep.",
    RecordKind.BKSB_RESULTS: "Counted from each result's date. Blank: keep.",
}


class RetentionForm(forms.Form):
    """One period in months per kind of record; blank keeps that kind for ever."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in RecordKind:
            self.fields[kind.value] = forms.IntegerField(
                label=f"{kind.label}: months kept",
                required=False,
                min_value=1,
                max_value=MAX_MONTHS,
                help_text=PERIOD_HELP[kind],
            )

    def periods(self) -> Periods:
        return {kind: self.cleaned_data.get(kind) for kind in RecordKind.values}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ErasureForm(ReasonForm):
    understood = forms.BooleanField(
        label="I understand that erasure cannot be undone: the person's names, contact details, bksb results "
        "and web user go for good.",
    )
