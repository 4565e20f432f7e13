"""Forms for creating bksb users, sending invites and editing the invite email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from bksb_integration.accounts.invite_template import (
    BODY_MAX,
    BODY_PLACEHOLDERS,
    SUBJECT_MAX,
    SUBJECT_PLACEHOLDERS,
    template_problems,
)
from bksb_integration.creation.user_create import (
    USERNAME_MAX,
    creation_problems,
    settings_problem,
    username_default,
    username_problems,
)
from bksb_integration.models import BksbSettings
from learners.models import Learner


class CreateBksbUserForm(forms.Form):
    """The review form of BKSB | Create user. Everything bksb would refuse is caught here first."""

    # The length is checked by username_problems, in its words.
    username = forms.CharField(label="Username")
    email = forms.CharField(label="Email", max_length=254, required=False)
    auto_enrol_courses = forms.BooleanField(
        label="Auto Enrol Courses",
        required=False,
        help_text="bksb enrols the new user on its auto-enrol courses.",
    )

    def __init__(self, *args: Any, learner: Learner, settings: BksbSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "username": username_default(learner),
                "email": learner.email,
                "auto_enrol_courses": settings.auto_enrol_courses,
            },
        )
        super().__init__(*args, **kwargs)
        self.learner = learner
        self.settings = settings
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "maxlength": str(USERNAME_MAX)}
        )
        self.fields["email"].widget = forms.EmailInput(attrs={"autocomplete": "off"})

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        problems = username_problems(username)
        if problems:
            raise ValidationError(problems)
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        problem = settings_problem(self.settings)
        if problem:
            raise ValidationError(problem)
        if "username" not in data:
            return data
        for field, message in creation_problems(learner=self.learner, username=data["username"], email=data["email"]):
            self.add_error(field if field in self.fields else None, message)
        return data


class InviteForm(forms.Form):
    with_auto_login_link = forms.BooleanField(
        label="Include a one-time auto-login link",
        required=False,
        help_text="Made by bksb at the moment of sending; it expires and is never stored here.",
    )


class InviteTemplateForm(forms.ModelForm[BksbSettings]):
    """The invite email's subject and body: plain text with {placeholders} (invite_template.py)."""

    invite_subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX)
    invite_body = forms.CharField(
        label="Body",
        required=False,
        strip=False,
        max_length=BODY_MAX,
        error_messages={"max_length": f"The body is limited to {BODY_MAX:,} characters."},
        help_text="Leave blank to use the built-in text.",
        widget=forms.Textarea(attrs={"rows": 14}),
    )

    class Meta:
        model = BksbSettings
        fields = ["invite_subject", "invite_body"]

    def clean_invite_subject(self) -> str:
        subject = " ".join(self.cleaned_data["invite_subject"].split())
        _refuse(template_problems(subject, allowed=SUBJECT_PLACEHOLDERS))
        return subject

    def clean_invite_body(self) -> str:
        body = self.cleaned_data["invite_body"]
        _refuse(template_problems(body, allowed=BODY_PLACEHOLDERS))
        return body if body.strip() else ""


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)
