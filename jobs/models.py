"""Background jobs: long work started from a screen, run on the Celery workers, watched in a window.

A job's kind says which app's runner does the work (jobs.kinds); this app knows
no kind itself. Progress is numbers on the row (total, done, failed) and a short
stage text; the kind's own running totals are numbers too (JobTotal rows: one
per name, moved with atomic updates); per-item outcomes, where a kind has items,
are JobItem rows.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import models


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        PARTIAL = "partial", "Finished with failures"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Nothing done"

    FINISHED = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.REFUSED)

    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Set by the claim that is running the job; every write of progress names it,
    # so a worker that lost its claim (presumed dead, then resumed elsewhere) stops.
    claim_token = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500, blank=True)
    # What the kind's runner needs (ids, a staged file's token, options): never secrets.
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "jobs_job"
        indexes = [models.Index(fields=["kind", "status"], name="jobs_job_kind_status")]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        """The share done; None while the total is not known yet (an indeterminate bar)."""
        if self.status in (self.Status.SUCCEEDED, self.Status.PARTIAL):
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    @property
    def totals(self) -> dict[str, int]:
        """The kind's running totals by name (e.g. rows created), as stored now; 0 for a name never counted."""
        return defaultdict(int, JobTotal.objects.filter(job_id=self.pk).values_list("name", "value"))


class JobTotal(models.Model):
    """One of a job's own running totals (rows created, requests to bksb, the last line written), as a number.

    Written by jobs.services.job_progress in the transaction of the work it counts.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="total_rows")
    name = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        db_table = "jobs_job_total"
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="jobs_total_unique")]

    def __str__(self) -> str:
        return f"job {self.job_id} {self.name} = {self.value}"


class JobItem(models.Model):
    """One item of a job (a record to create a bksb user for, a refused row): its outcome in words."""

    PENDING = "pending"
    RUNNING = "running"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    # The thing the item is about (a learner's id) and how to name it to staff.
    subject_id = models.PositiveIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    # PENDING until a runner takes it; then the kind's own outcome code.
    outcome = models.CharField(max_length=30, default=PENDING)
    ok = models.BooleanField(default=False)
    detail = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # How often a worker took the item: above 1, a worker died holding it (see job_items_pending).
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "jobs_job_item"
        indexes = [
            models.Index(fields=["job", "outcome"], name="jobs_item_outcome"),
            models.Index(fields=["job", "position"], name="jobs_item_position"),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} item {self.position}: {self.outcome}"
