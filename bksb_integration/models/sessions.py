"""Assessment sessions and their per-skill (EOA) rows: reporting tables (see BKSB Tables).

bksb's reformed (V5) English and maths assessments list each learner's
sessions with when they started and finished, and for a finished session a
per-skill breakdown (the end-of-assessment, or EOA, report). A session is
identified by (bksb user id, SessionId); an unfinished one is stored with no
completed time and becomes finished in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bksb_integration.models.mappings import Level, Subject
from learners.models import Learner


class AssessmentSession(models.Model):
    """One V5 assessment session of a bksb user, as getAssessmentSessionsForCourseV5 lists it."""

    class CourseSubject(models.TextChoices):
        """The course subjects bksb lists V5 sessions for."""

        ENGLISH = "ENG_NEW", "English"
        MATHS = "MATHS_NEW", "Maths"

    class AssessmentType(models.IntegerChoices):
        INITIAL = 1, "Initial assessment"
        DIAGNOSTIC = 2, "Diagnostic"

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_sessions")
    bksb_user_id = models.BigIntegerField("bksb user id")
    course_subject = models.CharField(max_length=20, choices=CourseSubject.choices)
    subject = models.CharField(max_length=10, choices=Subject.choices, null=True, blank=True)
    session_id = models.BigIntegerField()
    assessment_type = models.PositiveSmallIntegerField(choices=AssessmentType.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    # Null while the session is unfinished (bksb answers 0001-01-01T00:00:00).
    completed_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # When its per-skill (EOA) rows were read: read once per finished session, never again.
    skills_read_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict)

    class Meta:
        db_table = "bksb_assessment_session"
        ordering = ["-started_at", "-session_id"]
        constraints = [
            models.UniqueConstraint(fields=["bksb_user_id", "session_id"], name="bksb_assessment_session_unique")
        ]
        indexes = [models.Index(fields=["learner", "course_subject"], name="bksb_session_learner_subject")]

    def __str__(self) -> str:
        state = f"finished {self.completed_at:%Y-%m-%d}" if self.completed_at else "unfinished"
        return f"{self.get_course_subject_display()} session {self.session_id} ({state})"

    @property
    def is_finished(self) -> bool:
        return self.completed_at is not None


class SkillResult(models.Model):
    """One component's measured level in a finished session (GetEOAReportDataForAssessmentSessionV5)."""

    session = models.ForeignKey(AssessmentSession, on_delete=models.CASCADE, related_name="skills")
    component_name = models.TextField()
    ability_measurement = models.TextField(blank=True)
    measuring_assessment_name = models.TextField(blank=True)
    measured_at = models.DateTimeField(null=True, blank=True)
    # The ability measurement mapped through the level table, like a result's text.
    level = models.CharField(max_length=20, choices=Level.choices, null=True, blank=True)
    level_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    first_seen_at = models.DateTimeField()

    class Meta:
        db_table = "bksb_skill_result"
        ordering = ["session", "component_name"]
        constraints = [models.UniqueConstraint(fields=["session", "component_name"], name="bksb_skill_result_unique")]

    def __str__(self) -> str:
        return f"{self.component_name}: {self.ability_measurement}"


class WatchEntry(models.Model):
    """A record on the watch list: polled every few minutes until its initial assessments are in.

    A record is put on the list when it was created or invited in bksb lately,
    or by hand. It leaves (ended_at set, the row kept so it is not put back)
    once its English and maths initial assessments are finished and imported,
    or when staff stop watching it.
    """

    class Reason(models.TextChoices):
        CREATED = "created", "bksb user created"
        INVITED = "invited", "Invited"
        BY_HAND = "by_hand", "Added by hand"

    class EndReason(models.TextChoices):
        RESULTS_IN = "results_in", "Results in"
        BY_HAND = "by_hand", "Stopped by hand"
        EXPIRED = "expired", "Watch window passed"

    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="bksb_watch")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    since = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)

    class Meta:
        db_table = "bksb_watch_entry"
        verbose_name_plural = "watch entries"
        indexes = [models.Index(fields=["ended_at", "last_polled_at"], name="bksb_watch_due")]

    def __str__(self) -> str:
        return f"watching {self.learner_id} ({self.get_reason_display()})"

    @property
    def is_watched(self) -> bool:
        return self.ended_at is None
