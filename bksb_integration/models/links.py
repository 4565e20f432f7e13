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

    learner = models.OneToOneField(
        Learner,
        on_delete=models.CASCADE,
        related_name="bksb_link",
        db_comment="The learner or applicant (learners_learner.id).",
    )
    bksb_user_id = models.BigIntegerField(
        "bksb user id",
        null=True,
        blank=True,
        db_comment="The bksb user id the BKSB Username in effect resolved to; empty until resolved.",
    )
    resolved_username = models.CharField(
        max_length=150, blank=True, db_comment="The username that was resolved to bksb_user_id."
    )
    resolved_at = models.DateTimeField(null=True, blank=True, db_comment="When the username was last resolved in bksb.")
    last_download_at = models.DateTimeField(
        null=True,
        blank=True,
        db_comment=(
            "When results were last downloaded, for records with no web user account (otherwise "
            "the web user's BKSB updated time is used). Empty means the next download reads every "
            "page."
        ),
    )
    last_outcome = models.CharField(
        max_length=20,
        blank=True,
        db_comment=(
            "How the last download ended: succeeded, failed or unmatched (its bksb user id stopped "
            "resolving and its username names no other bksb user)."
        ),
    )
    last_outcome_at = models.DateTimeField(null=True, blank=True, db_comment="When the last download ended.")
    last_message = models.CharField(
        max_length=500, blank=True, db_comment="The last download's outcome in plain words, as the BKSB tab shows it."
    )
    # Single flight: a download holds this lease while it runs; an expired lease
    # (a killed worker) is free to take, so no lock can stay stuck.
    download_lease_until = models.DateTimeField(
        null=True,
        blank=True,
        db_comment=(
            "While a download of this learner runs: until when it holds the learner. An expired "
            "lease (a stopped worker) is free to take."
        ),
    )
    download_lease_owner = models.BigIntegerField(
        null=True,
        blank=True,
        db_comment="The claim token (bksb_run_learner.claim_token) of the download holding the lease.",
    )
    # When an invite was last taken for sending: a repeat within a short window
    # (a double click, a resubmitted form) sends nothing (accounts/invites.py).
    invite_claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        db_comment=(
            "When an invite email was last taken for sending. Another invite to the record within "
            "two minutes sends nothing (a double click, a resubmitted form)."
        ),
    )
    # Why the record is on the unmatched report (accounts/unmatched.py), set by a download:
    # bksb knows no user of the username in effect, or the stored bksb user id stopped
    # resolving (bksb merged the user away) and the username names no other user.
    unmatched = models.CharField(
        max_length=20,
        choices=Unmatched.choices,
        blank=True,
        db_comment=(
            "Why the record is on the unmatched report, set by a download: username_not_found "
            "(bksb has no user of the username in effect) or user_id_lost (bksb_user_id stopped "
            "resolving, as after bksb merges users, and the username names no other user). Empty "
            "when the last download worked."
        ),
    )
    unmatched_username = models.CharField(
        max_length=150,
        blank=True,
        db_comment=(
            "The username in effect that bksb did not know (unmatched = username_not_found); the "
            "record leaves the report once its username changes."
        ),
    )
    unmatched_at = models.DateTimeField(
        null=True, blank=True, db_comment="When a download put the record on the unmatched report."
    )

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
        db_table_comment = (
            "A learner's link to their bksb user, and the state of their downloads (at most one row per learner)."
        )
        db_table = "bksb_link"
        indexes = [
            models.Index(fields=["bksb_user_id"], name="bksb_link_user_id"),
            models.Index(fields=["unmatched"], name="bksb_link_unmatched", condition=~models.Q(unmatched="")),
        ]

    def __str__(self) -> str:
        return f"{self.learner.learner_ref} → {self.bksb_user_id or 'unresolved'}"
