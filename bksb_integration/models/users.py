"""Creating bksb users from records, and inviting learners to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from learners.models import Learner


class UserCreationRequest(models.Model):
    """At most one per record, so a record never gets two bksb users."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending to bksb"
        UNCERTAIN = "uncertain", "Outcome unknown (will check bksb before retrying)"
        CREATED = "created", "Created"
        REFUSED = "refused", "Refused by bksb"
        FAILED = "failed", "Failed"

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="bksb_creation")
    username = models.CharField(max_length=150)
    email = models.EmailField()
    auto_enrol_courses = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    bksb_user_id = models.BigIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        db_table = "bksb_user_creation"

    def __str__(self) -> str:
        return f"{self.username} ({self.get_status_display()})"


class Invite(models.Model):
    """An email inviting a learner to their bksb account (the link itself is never stored)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_invites")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    sent_at = models.DateTimeField(auto_now_add=True)
    email = models.EmailField()
    username = models.CharField(max_length=150)
    with_auto_login_link = models.BooleanField(default=False)

    class Meta:
        db_table = "bksb_invite"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"invite to {self.email} at {self.sent_at:%Y-%m-%d %H:%M}"
