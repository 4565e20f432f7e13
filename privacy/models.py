"""Retention periods, audit holds, and what was done under them (the audit trail reads PrivacyEvent)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from learners.models import Learner


class RecordKind(models.TextChoices):
    """The kinds of record a retention period is set for."""

    LEARNERS = "learners", "Learners"
    APPLICANTS = "applicants", "Applicants never enrolled"
    BKSB_RESULTS = "bksb_results", "bksb results"


class RetentionPeriod(models.Model):
    """How long one kind of record is kept; no row, or months null, means keep (the default)."""

    kind = models.CharField(max_length=20, choices=RecordKind.choices, unique=True)
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "privacy_retention_period"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.months or 'keep'}"


class AuditHold(models.Model):
    """A record that must not be anonymised or erased (an audit, a claim, a complaint) until an admin clears it."""

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="audit_hold")
    reason = models.CharField(max_length=500)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "privacy_audit_hold"

    def __str__(self) -> str:
        return f"hold on {self.learner_id}"


class PrivacyEvent(models.Model):
    """One thing done under data protection: a retention run, an erasure, an export, a hold set or cleared.

    The record is named by its id and its reference as it stands after the event (an anonymised record's
    reference is ANON-<id>), never by its name: the trail must not keep what an erasure removed.
    """

    class Action(models.TextChoices):
        RETENTION_RUN = "retention_run", "Retention run"
        ERASURE = "erasure", "Erased on request"
        SUBJECT_ACCESS = "subject_access", "Subject access export made"
        HOLD_SET = "hold_set", "Audit hold set"
        HOLD_CLEARED = "hold_cleared", "Audit hold cleared"
        PERIODS_CHANGED = "periods_changed", "Retention periods changed"

    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    record_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    record_label = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # What was done, as numbers (records anonymised, rows deleted by table) or the periods set.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "privacy_event"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class AnonymisedRecord(models.Model):
    """A record anonymised (by the retention run or an erasure): kept for the counts, never touched again."""

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, primary_key=True, related_name="anonymised")
    at = models.DateTimeField()
    event = models.ForeignKey(PrivacyEvent, on_delete=models.PROTECT, related_name="records")

    class Meta:
        db_table = "privacy_anonymised_record"

    def __str__(self) -> str:
        return f"record {self.learner_id} anonymised {self.at:%Y-%m-%d}"
