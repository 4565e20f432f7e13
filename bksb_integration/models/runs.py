"""Download runs: one learner or many, with progress kept on the row."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from learners.models import Learner


class Run(models.Model):
    """A download of bksb results for one learner or for every eligible learner."""

    class Kind(models.TextChoices):
        """A BKSB Results download of one learner, or Get Results for every eligible one."""

        BKSB_RESULTS = "single", "Single learner"
        GET_RESULTS = "bulk", "Get Results for every eligible learner"
        WATCH = "watch", "Watch list"
        # Skills reports downloads left for later, read with what the other runs leave (issue 19).
        SKILLS_BACKFILL = "backfill", "Skills backfill"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULED = "scheduled", "Scheduled"
        COMMAND = "command", "Command line"

    class Stage(models.TextChoices):
        """Where a run is; the window words it from this and the numbers below."""

        QUEUED = "queued", "Queued"
        PLANNING = "planning", "Finding eligible learners"
        RESOLVING = "resolving", "Checking the bksb user"
        READING = "reading", "Reading results"
        SAVING = "saving", "Saving results"
        DOWNLOADING = "downloading", "Downloading"
        PAUSED = "paused", "Paused: bksb is not answering"
        FINISHED = "finished", "Finished"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with failures"
        FAILED = "failed", "Failed"
        STOPPED = "stopped", "Stopped"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When every learner of the run had its RunLearner row; a run closes only after that.
    planned_at = models.DateTimeField(null=True, blank=True)

    learners_total = models.PositiveIntegerField(default=0)
    learners_done = models.PositiveIntegerField(default=0)
    learners_failed = models.PositiveIntegerField(default=0)
    learners_skipped = models.PositiveIntegerField(default=0)
    # Linked learners whose bksb user id stopped resolving and whose username names no
    # other user (bksb merged them away): done, not failed; they go to the unmatched report.
    learners_unmatched = models.PositiveIntegerField(default=0)
    # Learners a stopped run never tried (bksb unavailable, or the key refused); Resume tries them.
    learners_not_tried = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)
    results_created = models.PositiveIntegerField(default=0)
    results_updated = models.PositiveIntegerField(default=0)
    results_unchanged = models.PositiveIntegerField(default=0)
    requests_made = models.PositiveIntegerField(default=0)
    # Assessment sessions: whether staff asked for them, and what reading them cost and stored.
    with_sessions = models.BooleanField(default=False)
    session_requests = models.PositiveIntegerField(default=0)
    eoa_requests = models.PositiveIntegerField(default=0)
    sessions_stored = models.PositiveIntegerField(default=0)
    skills_stored = models.PositiveIntegerField(default=0)
    # Live progress, as numbers the window words: the stage, and while reading
    # one learner's lists, which list and which page of how many.
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.QUEUED)
    progress_list = models.CharField(max_length=20, blank=True)
    progress_page = models.PositiveIntegerField(default=0)
    progress_pages = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    # The circuit breaker every worker shares: consecutive failures to reach bksb,
    # and while paused, since when and until when the next probe.
    transport_failures = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    # Get Results for a selection: the learner list's query (its filters, or the ticked
    # ids) the run is limited to, planned again on the worker; null = every eligible learner.
    selection = models.JSONField(null=True, blank=True)
    selection_label = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "bksb_run"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "status"], name="bksb_run_kind_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} run {self.pk} ({self.get_status_display()})"

    @property
    def scope_label(self) -> str:
        """What the run is for, as the history and the window name it."""
        if self.selection is not None:
            return f"Selected learners: {self.selection_label}" if self.selection_label else "Selected learners"
        return self.get_kind_display()

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.PARTIAL, self.Status.FAILED, self.Status.STOPPED}

    @property
    def is_paused(self) -> bool:
        return self.paused_until is not None and not self.is_finished


class RunLearner(models.Model):
    """One learner's part in a run: the unit of work a task claims."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        NOT_TRIED = "not_tried", "Not tried"
        UNMATCHED = "unmatched", "Unmatched"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="learners")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by the claim that took this row: a worker claims a few rows in one
    # update, then reads back the ones that carry its token.
    claim_token = models.BigIntegerField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    results_created = models.PositiveIntegerField(default=0)
    results_updated = models.PositiveIntegerField(default=0)
    results_unchanged = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "bksb_run_learner"
        constraints = [models.UniqueConstraint(fields=["run", "learner"], name="bksb_run_learner_unique")]
        indexes = [models.Index(fields=["run", "status"], name="bksb_run_learner_status")]

    def __str__(self) -> str:
        return f"run {self.run_id} learner {self.learner_id}: {self.status}"
