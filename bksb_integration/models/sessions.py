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

    learner = models.ForeignKey(
        Learner,
        on_delete=models.CASCADE,
        related_name="bksb_sessions",
        db_comment="The learner or applicant (learners_learner.id).",
    )
    bksb_user_id = models.BigIntegerField("bksb user id", db_comment="The bksb user the session belongs to.")
    course_subject = models.CharField(
        max_length=20,
        choices=CourseSubject.choices,
        db_comment="bksb's course subject code the session was listed under.",
    )
    subject = models.CharField(
        max_length=10,
        choices=Subject.choices,
        null=True,
        blank=True,
        db_comment="The subject the code maps to (bksb_subject_mapping); empty when no row maps it.",
    )
    session_id = models.BigIntegerField(
        db_comment="bksb's SessionId; the same number as the session_id of the result it led to."
    )
    assessment_type = models.PositiveSmallIntegerField(
        choices=AssessmentType.choices, db_comment="bksb's AssessmentType: 1 initial assessment, 2 diagnostic."
    )
    started_at = models.DateTimeField(
        null=True, blank=True, db_comment="When the session was started, in UTC (bksb sends UK local time)."
    )
    # Null while the session is unfinished (bksb answers 0001-01-01T00:00:00).
    completed_at = models.DateTimeField(
        null=True, blank=True, db_comment="When the session was finished, in UTC; empty while it is unfinished."
    )
    first_seen_at = models.DateTimeField(db_comment="When a download first stored the session.")
    last_seen_at = models.DateTimeField(db_comment="When a download last saw the session in bksb's list.")
    # When its per-skill (EOA) rows were read: read once per finished session, never again.
    skills_read_at = models.DateTimeField(
        null=True,
        blank=True,
        db_comment="When its per-skill rows were read (once per finished session, never again); empty until then.",
    )
    raw = models.JSONField(default=dict, db_comment="The session as bksb sent it (JSON).")

    class Meta:
        db_table_comment = (
            "One row per V5 (reformed) English or maths assessment session of a bksb user, "
            "finished or not. A session is identified by (bksb_user_id, session_id); an unfinished "
            "one is stored with no completed_at and becomes finished in place. Sessions are read "
            "only when new results show one not seen before, for watched records, or when staff "
            "ask."
        )
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

    session = models.ForeignKey(
        AssessmentSession,
        on_delete=models.CASCADE,
        related_name="skills",
        db_comment="The session (bksb_assessment_session.id, our row id, not bksb's SessionId).",
    )
    component_name = models.TextField(
        db_comment=(
            "bksb's CourseComponentName as sent (e.g. “Reading”, “Ratio & Proportion”). Untrusted "
            "text: escape it when you show it."
        )
    )
    ability_measurement = models.TextField(blank=True, db_comment="bksb's AbilityMeasurement as sent (e.g. “Entry 3”).")
    measuring_assessment_name = models.TextField(blank=True, db_comment="bksb's MeasuringAssessmentName as sent.")
    measured_at = models.DateTimeField(
        null=True,
        blank=True,
        db_comment="bksb's MeasuredAt, in UTC (sent as UK local time); empty when bksb sent none.",
    )
    # The ability measurement mapped through the level table, like a result's text.
    level = models.CharField(
        max_length=20,
        choices=Level.choices,
        null=True,
        blank=True,
        db_comment="The level the ability measurement maps to (bksb_level_mapping); empty when no row maps it.",
    )
    level_rank = models.PositiveSmallIntegerField(
        null=True, blank=True, db_comment="The level's place on the scale, lowest 1 (Pre-Entry) to 7 (Level 3)."
    )
    raw = models.JSONField(default=dict, db_comment="The row as bksb sent it (JSON).")
    first_seen_at = models.DateTimeField(db_comment="When a download first stored the row.")

    class Meta:
        db_table_comment = (
            "One row per component (skill) measured in a finished session: bksb's "
            "end-of-assessment (EOA) breakdown. Identified by (session_id, component_name)."
        )
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

    learner = models.OneToOneField(
        Learner,
        on_delete=models.CASCADE,
        related_name="bksb_watch",
        db_comment="The learner or applicant (learners_learner.id).",
    )
    reason = models.CharField(max_length=10, choices=Reason.choices, db_comment="Why it was put on the list.")
    since = models.DateTimeField(
        db_comment=(
            "When the watch began (the bksb user's creation, the first invite, or adding by hand). "
            "Initial results dated up to the watch window's days before it count as in."
        )
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_comment="Who added it by hand (auth_user.id); empty otherwise.",
    )
    last_polled_at = models.DateTimeField(
        null=True, blank=True, db_comment="When a watch pass last polled it (the Induction board shows it)."
    )
    ended_at = models.DateTimeField(null=True, blank=True, db_comment="When it left the list; empty while watched.")
    end_reason = models.CharField(
        max_length=10,
        choices=EndReason.choices,
        blank=True,
        db_comment="Why it left: results in, stopped by hand, or the watch window passed.",
    )

    class Meta:
        db_table_comment = (
            "The watch list: records polled every few minutes (within the watch hours) until their "
            "English and maths initial assessments are in. At most one row per learner; an ended "
            "watch keeps its row."
        )
        db_table = "bksb_watch_entry"
        verbose_name_plural = "watch entries"
        indexes = [models.Index(fields=["ended_at", "last_polled_at"], name="bksb_watch_due")]

    def __str__(self) -> str:
        return f"watching {self.learner_id} ({self.get_reason_display()})"

    @property
    def is_watched(self) -> bool:
        return self.ended_at is None
