"""The integration's settings: one row, edited on Integrations > bksb."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.views.decorators.debug import sensitive_variables
from simple_history.models import HistoricalRecords

from bksb_integration.models import encryption
from bksb_integration.models.mappings import Level

DEFAULT_API_URL = "https://live2api.bksblive2.co.uk/"
# The columns holding encrypted secrets, with the words staff see for them.
ENCRYPTED_FIELDS = {
    "secret_access_key_encrypted": "Secret Access Key",
    "default_password_encrypted": "Default Password",
}


def default_learning_statuses() -> list[str]:
    return ["in_learning"]


def default_match_builtins() -> list[str]:
    """Matching's built-in candidate rules in use, in the order tried (accounts/candidates.py names them)."""
    return [
        "typed",
        "web_username",
        "email",
        "email_local",
        "ref",
        "patterns",
        "first_last",
        "firstlast",
        "initial_surname",
    ]


class BksbSettings(models.Model):
    """Integration settings. Secrets are stored encrypted and never shown again.

    Read it with BksbSettings.load(): every read goes to the database, so a
    change takes effect at once in every process.
    """

    integration_enabled = models.BooleanField("Integration Enabled", default=False)
    api_url = models.URLField("BKSB API url", max_length=300, default=DEFAULT_API_URL)
    access_key_id = models.CharField("Access Key ID", max_length=200, blank=True)
    secret_access_key_encrypted = models.TextField(blank=True, editable=False)
    default_password_encrypted = models.TextField(blank=True, editable=False)
    auto_enrol_courses = models.BooleanField("Auto Enrol on Courses", default=False)

    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_outcome = models.CharField(max_length=300, blank=True)

    # Downloads (bulk runs and the shared request budget).
    requests_per_second = models.FloatField("Requests per second limit", default=10.0)
    eligible_learning_statuses = models.JSONField(default=default_learning_statuses)
    eligible_end_within_days = models.PositiveIntegerField(
        "Also include learners whose end date is within (days)", default=31
    )
    include_applicants = models.BooleanField("Include applicants", default=True)
    run_history_days = models.PositiveIntegerField("Keep run history for (days)", default=90)

    # Learner Hub: Settings > System configuration > Learner Login > Action Widget.
    hub_bksb_url_enabled = models.BooleanField("BKSB URL", default=False)
    hub_bksb_url = models.URLField("BKSB URL address", max_length=300, blank=True)
    hub_bksb_sso = models.BooleanField("Single sign-on", default=False)
    hub_show_levels = models.BooleanField("Show bksb levels on the dashboard", default=False)

    # Invites to newly created bksb users.
    invite_subject = models.CharField(max_length=200, default="Your bksb account")
    invite_body = models.TextField(blank=True)

    # Matching records to existing bksb users (Settings > Matching).
    match_builtins = models.JSONField(default=default_match_builtins)
    match_patterns = models.TextField("Your patterns", blank=True)
    match_link_automatically = models.BooleanField("Link strong unique matches automatically", default=False)

    # Funding flags (results/funding.py): the thresholds, editable as the rules change yearly.
    funding_entitlement_below = models.CharField(
        "English and maths: fully funded entitlement when assessed below",
        max_length=20,
        choices=Level.choices,
        default=Level.LEVEL_2,
    )
    funding_digital_below = models.CharField(
        "Digital: flag when assessed below", max_length=20, choices=Level.choices, default=Level.LEVEL_1
    )
    funding_prior_knowledge_from = models.CharField(
        "Prior knowledge shown at or above", max_length=20, choices=Level.choices, default=Level.LEVEL_1
    )

    # The watch list: records created or invited lately are polled until their initial assessments are in.
    watch_window_days = models.PositiveIntegerField("Watch records created or invited within (days)", default=14)
    watch_interval_minutes = models.PositiveIntegerField("Poll watched records every (minutes)", default=10)
    watch_hours_start = models.TimeField("Poll from (UK time)", default=dt.time(8, 0))
    watch_hours_end = models.TimeField("Poll until (UK time)", default=dt.time(18, 0))
    # Rushed assessments: a finished V5 session shorter than this is "completed unusually fast" (results/rushed.py).
    # bksb gives no expected time for an assessment, so the defaults are minutes per assessment type.
    rushed_initial_minutes = models.PositiveIntegerField("Initial assessment finished in under (minutes)", default=10)
    rushed_diagnostic_minutes = models.PositiveIntegerField("Diagnostic finished in under (minutes)", default=15)
    # Creating bksb users automatically for new eligible records (accounts/auto_create.py), off by default.
    auto_create_users = models.BooleanField("Create bksb users automatically", default=False)
    auto_create_invite = models.BooleanField("Send each new user an invite", default=False)

    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=[*ENCRYPTED_FIELDS, "updated_at"])
    # Set before a save, django-simple-history records it as the change's reason (the audit trail's note).
    _change_reason: str

    class Meta:
        db_table = "bksb_settings"
        verbose_name = "bksb settings"
        verbose_name_plural = "bksb settings"

    def __str__(self) -> str:
        return "bksb settings"

    @classmethod
    def load(cls) -> BksbSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def secret_access_key(self) -> str:
        return encryption.decrypt(self.secret_access_key_encrypted)

    @secret_access_key.setter
    @sensitive_variables("value")
    def secret_access_key(self, value: str) -> None:
        self.secret_access_key_encrypted = encryption.encrypt(value)

    @property
    def default_password(self) -> str:
        return encryption.decrypt(self.default_password_encrypted)

    @default_password.setter
    @sensitive_variables("value")
    def default_password(self, value: str) -> None:
        self.default_password_encrypted = encryption.encrypt(value)

    @property
    def has_secret_access_key(self) -> bool:
        return bool(self.secret_access_key_encrypted)

    @property
    def has_default_password(self) -> bool:
        return bool(self.default_password_encrypted)

    @property
    def is_configured(self) -> bool:
        """Enabled, with a URL and both keys: calls to bksb can be made."""
        return bool(
            self.integration_enabled and self.api_url and self.access_key_id and self.secret_access_key_encrypted
        )

    def end_date_cutoff(self, today: dt.date) -> dt.date:
        return today - dt.timedelta(days=self.eligible_end_within_days)
