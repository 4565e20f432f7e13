"""The link form on a learner's BKSB tab."""

from __future__ import annotations

from django import forms


class LinkForm(forms.Form):
    bksb_user = forms.BooleanField(label="BKSB User", required=False)
    bksb_username = forms.CharField(
        label="BKSB Username",
        max_length=150,
        required=False,
        help_text="Leave blank to use the learner's web user account name.",
    )
    # Set by the "Yes, change it" button after the change of bksb user is explained.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
