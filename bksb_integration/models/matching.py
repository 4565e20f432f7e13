"""Matching records to existing bksb users: answers to username probes, and a run's suggestions."""

from __future__ import annotations

from django.db import models

from jobs.models import Job
from learners.models import Learner


class UsernameProbe(models.Model):
    """bksb's answer to "who is this username?", kept for a day so no worker asks it twice.

    `bksb_user_id` null means bksb said it has no such user. Errors and timeouts are
    never stored: only an answer is.
    """

    username = models.CharField(max_length=254, unique=True)
    bksb_user_id = models.BigIntegerField("bksb user id", null=True, blank=True)
    probed_at = models.DateTimeField()

    class Meta:
        db_table = "bksb_username_probe"
        indexes = [models.Index(fields=["probed_at"], name="bksb_probe_probed_at")]

    def __str__(self) -> str:
        return f"{self.username} → {self.bksb_user_id or 'not found'}"


class MatchSuggestion(models.Model):
    """A bksb user a matching run found for a record: the review page's row."""

    class Strength(models.TextChoices):
        STRONG = "strong", "Strong"
        POSSIBLE = "possible", "Possible"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="bksb_suggestions")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_suggestions")
    username = models.CharField(max_length=254)
    bksb_user_id = models.BigIntegerField("bksb user id")
    reason = models.CharField(max_length=200)
    strength = models.CharField(max_length=10, choices=Strength.choices)
    position = models.PositiveSmallIntegerField(default=0)
    # Another BKSB User record linked to this bksb user when the run looked.
    held_by = models.ForeignKey(Learner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Ticked on the review page when first shown: strong, the record's only suggestion, held by nobody.
    preselected = models.BooleanField(default=False)

    class Meta:
        db_table = "bksb_match_suggestion"
        constraints = [
            models.UniqueConstraint(fields=["job", "learner", "username"], name="bksb_suggestion_unique"),
        ]
        indexes = [models.Index(fields=["job", "learner"], name="bksb_suggestion_job_learner")]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.username} ({self.strength})"
