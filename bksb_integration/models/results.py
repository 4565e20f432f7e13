"""The reporting tables of downloaded results (documented on the BKSB Tables page)."""

from __future__ import annotations

from django.db import models

from bksb_integration.models.mappings import Level, Subject
from learners.models import Learner


class AssessmentResult(models.Model):
    """Columns shared by both result lists, named after the API's fields."""

    learner = models.ForeignKey(
        Learner,
        on_delete=models.CASCADE,
        related_name="+",
        db_comment="The learner or applicant (learners_learner.id); join it for the learner reference.",
    )
    bksb_user_id = models.BigIntegerField(
        db_comment="The bksb user the result came from. Results keep it when the BKSB Username later changes."
    )
    session_id = models.BigIntegerField(db_comment="bksb's SessionId of the assessment sitting.")
    assessment_id = models.BigIntegerField(
        db_comment="bksb's AssessmentID. One subject can sit under an old and a new id (40000/50000 maths)."
    )
    course_subject = models.TextField(
        blank=True, db_comment="bksb's CourseSubject code as sent (e.g. MATHS_NEW, ENG_NEW, OZ_DIGI)."
    )
    course_name = models.TextField(blank=True, db_comment="bksb's CourseName as sent.")
    assessment_name = models.TextField(blank=True, db_comment="bksb's AssessmentName as sent.")
    result = models.TextField(
        blank=True,
        db_comment="bksb's Result text as sent (e.g. “Maths Entry 3”). Untrusted text: escape it when you show it.",
    )
    result_date = models.DateTimeField(
        db_comment="When the result was taken, in UTC (bksb sends UK local time; it is converted on download)."
    )
    subject = models.CharField(
        max_length=10,
        choices=Subject.choices,
        null=True,
        blank=True,
        db_comment="The subject the CourseSubject code maps to (bksb_subject_mapping); empty when no row maps it.",
    )
    level = models.CharField(
        max_length=20,
        choices=Level.choices,
        null=True,
        blank=True,
        db_comment="The level the Result text maps to (bksb_level_mapping); empty when no row maps it (“unmapped”).",
    )
    level_rank = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        db_comment="The level's place on the scale, lowest 1 (Pre-Entry) to 7 (Level 3): use it to find the highest.",
    )
    raw = models.JSONField(
        default=dict,
        db_comment="The whole result as bksb sent it (JSON), including any fields not copied into columns.",
    )
    first_seen_at = models.DateTimeField(db_comment="When a download first stored the result.")
    last_changed_at = models.DateTimeField(
        db_comment="When a download last found the result changed in bksb (or first stored it)."
    )

    # Django's default manager, named here so code that takes either result model can use it.
    objects = models.Manager()

    class Meta:
        abstract = True
        ordering = ["-result_date", "-session_id"]

    def __str__(self) -> str:
        return f"{self.assessment_name}: {self.result} ({self.result_date:%Y-%m-%d})"

    @property
    def is_unmapped(self) -> bool:
        return self.level is None


class InitialAssessmentResult(AssessmentResult):
    class Meta(AssessmentResult.Meta):
        db_table_comment = (
            "One row per initial assessment result downloaded from bksb. A result is identified by "
            "(bksb_user_id, session_id, assessment_id)."
        )
        db_table = "bksb_initial_assessment_result"
        constraints = [
            models.UniqueConstraint(
                fields=["bksb_user_id", "session_id", "assessment_id"], name="bksb_initial_result_unique"
            )
        ]
        indexes = [models.Index(fields=["learner", "-result_date"], name="bksb_initial_learner_date")]


class DiagnosticAssessmentResult(AssessmentResult):
    percent_score = models.FloatField(
        null=True, blank=True, db_comment="bksb's PercentScore, 0 to 100; empty when bksb sent none."
    )

    class Meta(AssessmentResult.Meta):
        db_table_comment = (
            "One row per diagnostic assessment result downloaded from bksb, identified as initial results are."
        )
        db_table = "bksb_diagnostic_assessment_result"
        constraints = [
            models.UniqueConstraint(
                fields=["bksb_user_id", "session_id", "assessment_id"], name="bksb_diagnostic_result_unique"
            )
        ]
        indexes = [models.Index(fields=["learner", "-result_date"], name="bksb_diagnostic_learner_date")]
