"""Forms of Integrations > bksb: settings, download options and the mapping tables."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from bksb_integration.config.settings_change import SettingsChange, settings_change_validate
from bksb_integration.models import BksbSettings, LevelMapping, SubjectMapping
from learners.models import LearningStatus

# Under a box the admin may have just typed into, the hint speaks of what is stored, not of the box.
STORED_HELP = "One is stored (never shown). Leave blank to keep it."
NOT_STORED_HELP = "None is stored yet. What you type is stored, encrypted, when you save."
RETYPE_HELP = "Not saved, as the form has errors: type it again."
DEFAULT_PASSWORD_HINT = " It is given to the bksb users created from records."  # noqa: S105 - a hint, not a password


def _secret_input() -> forms.PasswordInput:
    # new-password stops browsers filling in the staff member's own saved login.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})


class BksbSettingsForm(forms.Form):
    """The connection settings. Secrets are write-only: never rendered back."""

    integration_enabled = forms.BooleanField(label="Integration Enabled", required=False)
    api_url = forms.CharField(
        label="BKSB API url",
        max_length=300,
        help_text=(
            "Moving to another server needs the Secret Access Key entered again, "
            "and clears the stored Default Password unless you enter it again too."
        ),
    )
    access_key_id = forms.CharField(
        label="Access Key ID", max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    secret_access_key = forms.CharField(
        label="Secret Access Key", max_length=500, required=False, strip=False, widget=_secret_input()
    )
    clear_secret_access_key = forms.BooleanField(label="Clear the stored Secret Access Key", required=False)
    default_password = forms.CharField(
        label="Default Password", max_length=200, required=False, strip=False, widget=_secret_input()
    )
    clear_default_password = forms.BooleanField(label="Clear the stored Default Password", required=False)
    auto_enrol_courses = forms.BooleanField(label="Auto Enrol on Courses", required=False)

    def __init__(self, *args: Any, settings: BksbSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "integration_enabled": settings.integration_enabled,
                "api_url": settings.api_url,
                "access_key_id": settings.access_key_id,
                "auto_enrol_courses": settings.auto_enrol_courses,
            },
        )
        super().__init__(*args, **kwargs)
        self.settings = settings
        for name in ("secret_access_key", "default_password"):
            self.fields[name].help_text = STORED_HELP if getattr(settings, f"has_{name}") else NOT_STORED_HELP
        self.fields["default_password"].help_text += DEFAULT_PASSWORD_HINT

    def full_clean(self) -> None:
        super().full_clean()
        # A refused form never renders a secret back: say so under each box that held one.
        if self.is_bound and self.errors:
            for name in ("secret_access_key", "default_password"):
                if self.data.get(name):
                    extra = DEFAULT_PASSWORD_HINT if name == "default_password" else ""
                    # The bound field took a copy of the hint when validation made it.
                    self.fields[name].help_text = self[name].help_text = RETYPE_HELP + extra

    @sensitive_variables()
    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            self.change = settings_change_validate(settings=self.settings, change=self._change(data))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    @sensitive_variables()
    def _change(self, data: dict[str, Any]) -> SettingsChange:
        return SettingsChange(
            integration_enabled=data["integration_enabled"],
            api_url=data["api_url"],
            access_key_id=data["access_key_id"],
            auto_enrol_courses=data["auto_enrol_courses"],
            secret_access_key=data["secret_access_key"] or None,
            clear_secret_access_key=data["clear_secret_access_key"],
            default_password=data["default_password"] or None,
            clear_default_password=data["clear_default_password"],
        )


class DownloadOptionsForm(forms.ModelForm[BksbSettings]):
    """Options used by bulk downloads: the request budget, who is eligible, history kept."""

    eligible_learning_statuses = forms.MultipleChoiceField(
        label="Eligible learning statuses",
        choices=LearningStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Learners with these statuses are included in bulk downloads.",
    )
    requests_per_second = forms.FloatField(
        label="Requests per second limit",
        min_value=0.5,
        max_value=1000,
        help_text="Shared by every download, so bksb is never asked faster than this.",
    )
    eligible_end_within_days = forms.IntegerField(
        label="Also include learners whose end date is within (days)", min_value=0, max_value=3650
    )
    run_history_days = forms.IntegerField(label="Keep run history for (days)", min_value=1, max_value=3650)
    rushed_initial_minutes = forms.IntegerField(
        label="Initial assessment finished in under (minutes)",
        min_value=0,
        max_value=600,
        help_text="A finished English or maths initial assessment session shorter than this is marked “completed "
        "unusually fast: consider a retake”. 0 marks none.",
    )
    rushed_diagnostic_minutes = forms.IntegerField(
        label="Diagnostic finished in under (minutes)",
        min_value=0,
        max_value=600,
        help_text="The same for a diagnostic session. bksb gives no expected time, so these are the college's own.",
    )

    class Meta:
        model = BksbSettings
        fields = [
            "requests_per_second",
            "eligible_learning_statuses",
            "eligible_end_within_days",
            "include_applicants",
            "run_history_days",
            "rushed_initial_minutes",
            "rushed_diagnostic_minutes",
        ]


class LevelMappingForm(forms.ModelForm[LevelMapping]):
    class Meta:
        model = LevelMapping
        fields = ["text", "match", "level"]
        labels = {"text": "Result text", "match": "Match", "level": "Level"}

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise ValidationError("Enter the result text.")
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        text, match = data.get("text"), data.get("match")
        same = LevelMapping.objects.filter(text__iexact=text, match=match).exclude(pk=self.instance.pk)
        if text and match and same.exists():
            self.add_error("text", "A row with this text and match already exists.")
        return data


class SubjectMappingForm(forms.ModelForm[SubjectMapping]):
    class Meta:
        model = SubjectMapping
        fields = ["course_subject", "subject"]
        labels = {"course_subject": "Course subject code", "subject": "Subject"}

    def clean_course_subject(self) -> str:
        code: str = self.cleaned_data["course_subject"].strip()
        if not code:
            raise ValidationError("Enter the course subject code.")
        same = SubjectMapping.objects.filter(course_subject__iexact=code).exclude(pk=self.instance.pk)
        if same.exists():
            raise ValidationError("This code is already mapped.")
        return code
