"""A learner's link to their bksb user."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from learners.models import Learner


class Unmatched(models.TextChoices):
    USERNAME_NOT_FOUND = "username_not_found", "Username not found in bksb"
    USER_ID_LOST = "user_id_lost", "bksb user id stopped resolving"


class BksbLink(models.Model):
    """What we know of a learner's bksb user beyond the record's own fields.

    The record holds BKSB User and BKSB Username (as an MIS does); this row
    holds the resolved bksb user id and the download state. The last-download
    time lives on the web user account when there is one (WebUser.bksb_updated)
    and here otherwise.
    """

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="bksb_link")
    bksb_user_id = models.BigIntegerField("bksb user id", null=True, blank=True)
    resolved_username = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_download_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, blank=True)
    last_outcome_at = models.DateTimeField(null=True, blank=True)
    last_message = models.CharField(max_length=500, blank=True)
    # Single flight: a download holds this lease while it runs; an expired lease
    # (a killed worker) is free to take, so no lock can stay stuck.
    download_lease_until = models.DateTimeField(null=True, blank=True)
    download_lease_owner = models.BigIntegerField(null=True, blank=True)
    # When an invite was last taken for sending: a repeat within a short window
    # (a double click, a resubmitted form) sends nothing (accounts/invites.py).
    invite_claimed_at = models.DateTimeField(null=True, blank=True)
    # Why the record is on the unmatched report (accounts/unmatched.py), set by a download:
    # bksb knows no user of the username in effect, or the stored bksb user id stopped
    # resolving (bksb merged the user away) and the username names no other user.
    unmatched = models.CharField(max_length=20, choices=Unmatched.choices, blank=True)
    unmatched_username = models.CharField(max_length=150, blank=True)
    unmatched_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=[
            "last_outcome",
            "last_outcome_at",
            "last_message",
            "download_lease_until",
            "download_lease_owner",
            "invite_claimed_at",
            "unmatched",
            "unmatched_username",
            "unmatched_at",
        ]
    )

    class Meta:
        db_table = "bksb_link"
        indexes = [
            models.Index(fields=["bksb_user_id"], name="bksb_link_user_id"),
            models.Index(fields=["unmatched"], name="bksb_link_unmatched", condition=~models.Q(unmatched="")),
        ]

    def __str__(self) -> str:
        return f"{self.learner.learner_ref} → {self.bksb_user_id or 'unresolved'}"
