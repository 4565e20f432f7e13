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

    kind = models.CharField(
        max_length=10, choices=Kind.choices, db_comment="single, bulk, or watch (a pass over the watch list)."
    )
    trigger = models.CharField(
        max_length=10,
        choices=Trigger.choices,
        default=Trigger.MANUAL,
        db_comment="What started it: manual, scheduled or command.",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_comment="The member of staff who started it (auth_user.id); empty for scheduled runs.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.QUEUED,
        db_comment="queued, running, succeeded, partial (some learners failed) or failed.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_comment="When the run was asked for.")
    started_at = models.DateTimeField(null=True, blank=True, db_comment="When the first learner's download began.")
    finished_at = models.DateTimeField(null=True, blank=True, db_comment="When the last learner's download ended.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, db_comment="The last sign of life from a worker on this run."
    )
    # When every learner of the run had its RunLearner row; a run closes only after that.
    planned_at = models.DateTimeField(
        null=True,
        blank=True,
        db_comment="When every learner of the run had its bksb_run_learner row; a run closes only after that.",
    )

    learners_total = models.PositiveIntegerField(default=0, db_comment="How many learners the run covers.")
    learners_done = models.PositiveIntegerField(
        default=0, db_comment="How many of them have finished, successfully or not."
    )
    learners_failed = models.PositiveIntegerField(default=0, db_comment="How many of them failed.")
    learners_skipped = models.PositiveIntegerField(
        default=0, db_comment="How many eligible learners were left out (see skipped_reasons)."
    )
    # Linked learners whose bksb user id stopped resolving and whose username names no
    # other user (bksb merged them away): done, not failed; they go to the unmatched report.
    learners_unmatched = models.PositiveIntegerField(
        default=0,
        db_comment=(
            "How many of them were unmatched: their bksb user id stopped resolving (bksb merged "
            "the user) and their username names no other bksb user. Neither downloaded nor failed; "
            "they are on the unmatched report."
        ),
    )
    # Learners a stopped run never tried (bksb unavailable, or the key refused); Resume tries them.
    learners_not_tried = models.PositiveIntegerField(
        default=0, db_comment="Learners a stopped run never tried (bksb unavailable, or the key refused)."
    )
    skipped_reasons = models.JSONField(
        default=dict, blank=True, db_comment="Why learners were left out, as JSON: reason to count."
    )
    results_created = models.PositiveIntegerField(default=0, db_comment="Results stored for the first time.")
    results_updated = models.PositiveIntegerField(default=0, db_comment="Stored results that bksb had changed.")
    results_unchanged = models.PositiveIntegerField(default=0, db_comment="Results read again and found unchanged.")
    requests_made = models.PositiveIntegerField(default=0, db_comment="Requests sent to bksb.")
    # Assessment sessions: whether staff asked for them, and what reading them cost and stored.
    with_sessions = models.BooleanField(
        default=False,
        db_comment=(
            "Staff asked for the learners' assessment sessions and skills too (a single-learner "
            "run, or the Induction board's Get Results now)."
        ),
    )
    session_requests = models.PositiveIntegerField(
        default=0,
        db_comment=(
            "Requests for assessment session lists (getAssessmentSessionsForCourseV5); included in requests_made."
        ),
    )
    eoa_requests = models.PositiveIntegerField(
        default=0,
        db_comment=(
            "Requests for sessions' per-skill rows (GetEOAReportDataForAssessmentSessionV5); included in requests_made."
        ),
    )
    sessions_stored = models.PositiveIntegerField(
        default=0, db_comment="Assessment sessions stored new, finished or changed."
    )
    skills_stored = models.PositiveIntegerField(default=0, db_comment="Per-skill rows stored.")
    # Live progress, as numbers the window words: the stage, and while reading
    # one learner's lists, which list and which page of how many.
    stage = models.CharField(
        max_length=20,
        choices=Stage.choices,
        default=Stage.QUEUED,
        db_comment="Where the run is; the window words it with the numbers below.",
    )
    progress_list = models.CharField(
        max_length=20,
        blank=True,
        db_comment="While a single-learner run reads results: the list being read (initial or diagnostic).",
    )
    progress_page = models.PositiveIntegerField(default=0, db_comment="The page of that list just read.")
    progress_pages = models.PositiveIntegerField(
        default=0, db_comment="How many pages that list has, as bksb said on its last page read."
    )
    message = models.CharField(
        max_length=500, blank=True, db_comment="For a single-learner run that failed: why, in plain words."
    )
    # The circuit breaker every worker shares: consecutive failures to reach bksb,
    # and while paused, since when and until when the next probe.
    transport_failures = models.PositiveIntegerField(
        default=0, db_comment="Learners in a row that could not reach bksb (the circuit breaker pauses at 5)."
    )
    paused_at = models.DateTimeField(
        null=True, blank=True, db_comment="While bksb is not answering: when the run paused."
    )
    paused_until = models.DateTimeField(
        null=True, blank=True, db_comment="While paused: when bksb is asked again whether it is back."
    )
    # Get Results for a selection: the learner list's query (its filters, or the ticked
    # ids) the run is limited to, planned again on the worker; null = every eligible learner.
    selection = models.JSONField(
        null=True,
        blank=True,
        db_comment=(
            "Get Results for a selection: the learner list's query it was limited to (its filters, "
            "or the ticked ids), as JSON; empty for every eligible learner."
        ),
    )
    selection_label = models.CharField(
        max_length=200,
        blank=True,
        db_comment="Get Results for a selection: what was selected, in words (e.g. 3 ticked records).",
    )

    class Meta:
        db_table_comment = (
            "A download of bksb results: of one learner (BKSB Results button, command line) or of "
            "every eligible linked learner (bulk)."
        )
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

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="learners", db_comment="The run (bksb_run.id).")
    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="+", db_comment="The learner (learners_learner.id)."
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_comment=(
            "pending, running, succeeded, failed, not_tried or unmatched (the bksb user id stopped resolving)."
        ),
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, db_comment="How many times a worker claimed it (more than one after a worker stopped mid-way)."
    )
    # Set by the claim that took this row: a worker claims a few rows in one
    # update, then reads back the ones that carry its token.
    claim_token = models.BigIntegerField(
        null=True,
        blank=True,
        db_comment="Set by the claim that took the row; the worker reads back the rows that carry it.",
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, db_comment="When a worker last claimed it or reported progress."
    )
    finished_at = models.DateTimeField(null=True, blank=True, db_comment="When the learner's download ended.")
    results_created = models.PositiveIntegerField(default=0, db_comment="Results stored for the first time.")
    results_updated = models.PositiveIntegerField(default=0, db_comment="Stored results that bksb had changed.")
    results_unchanged = models.PositiveIntegerField(default=0, db_comment="Results read again and found unchanged.")
    error = models.CharField(
        max_length=500, blank=True, db_comment="Why the learner's download failed, in plain words."
    )

    class Meta:
        db_table_comment = "One learner's part in a run: the unit of work a worker claims."
        db_table = "bksb_run_learner"
        constraints = [models.UniqueConstraint(fields=["run", "learner"], name="bksb_run_learner_unique")]
        indexes = [models.Index(fields=["run", "status"], name="bksb_run_learner_status")]

    def __str__(self) -> str:
        return f"run {self.run_id} learner {self.learner_id}: {self.status}"
