"""Settings > Matching: the candidate rules in use and their order, the admin's patterns, automatic linking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from bksb_integration.matching.candidates import BUILTINS, PLACEHOLDERS, PatternError, builtins_parse, patterns_parse
from bksb_integration.models import BksbSettings


class MatchingSettingsForm(forms.Form):
    """One "Use" box and a position per built-in rule, then the patterns and the automatic-linking switch."""

    match_patterns = forms.CharField(
        label="Your patterns",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line, e.g. {initial}{last}{digits} or {ref}@college.ac.uk. Placeholders: "
        + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        + ".",
    )
    match_link_automatically = forms.BooleanField(
        label="Link strong unique matches automatically",
        required=False,
        help_text="The nightly run then links records whose only suggestion is strong and belongs to no other record.",
    )

    def __init__(self, data: Any = None, *, settings: BksbSettings) -> None:
        in_use = builtins_parse(settings.match_builtins)
        order = in_use + [key for key in BUILTINS if key not in in_use]
        initial = {
            "match_patterns": settings.match_patterns,
            "match_link_automatically": settings.match_link_automatically,
        }
        for position, key in enumerate(order, start=1):
            initial[f"use_{key}"] = key in in_use
            initial[f"order_{key}"] = position
        super().__init__(data, initial=initial)
        for key in order:
            # In a table row the rule's name is the cell beside them: the boxes carry their names themselves.
            use_label, order_label = f"Use {BUILTINS[key]}", f"Position of {BUILTINS[key]}"
            self.fields[f"use_{key}"] = forms.BooleanField(
                label=use_label, required=False, widget=forms.CheckboxInput(attrs={"aria-label": use_label})
            )
            self.fields[f"order_{key}"] = forms.IntegerField(
                label=order_label,
                min_value=1,
                max_value=99,
                widget=forms.NumberInput(attrs={"aria-label": order_label}),
            )
        self.rule_rows = [(BUILTINS[key], self[f"use_{key}"], self[f"order_{key}"]) for key in order]

    def clean_match_patterns(self) -> str:
        text: str = self.cleaned_data["match_patterns"]
        try:
            patterns_parse(text)
        except PatternError as exc:
            raise ValidationError(str(exc)) from None
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    def builtins(self) -> list[str]:
        """The rules ticked, by position (ties keep the default order)."""
        data = self.cleaned_data
        keys = [key for key in BUILTINS if data.get(f"use_{key}")]
        default = list(BUILTINS)
        return sorted(keys, key=lambda key: (data[f"order_{key}"], default.index(key)))
