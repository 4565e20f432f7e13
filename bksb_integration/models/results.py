"""The reporting tables of downloaded results (documented on the BKSB Tables page)."""

from __future__ import annotations

from django.db import models

from bksb_integration.models.mappings import Level, Subject
from learners.models import Learner


class AssessmentResult(models.Model):
    """Columns shared by both result lists, named after the API's fields."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+")
    bksb_user_id = models.BigIntegerField()
    session_id = models.BigIntegerField()
    assessment_id = models.BigIntegerField()
    course_subject = models.TextField(blank=True)
    course_name = models.TextField(blank=True)
    assessment_name = models.TextField(blank=True)
    result = models.TextField(blank=True)
    result_date = models.DateTimeField()
    subject = models.CharField(max_length=10, choices=Subject.choices, null=True, blank=True)
    level = models.CharField(max_length=20, choices=Level.choices, null=True, blank=True)
    level_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    first_seen_at = models.DateTimeField()
    last_changed_at = models.DateTimeField()

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
        db_table = "bksb_initial_assessment_result"
        constraints = [
            models.UniqueConstraint(
                fields=["bksb_user_id", "session_id", "assessment_id"], name="bksb_initial_result_unique"
            )
        ]
        indexes = [models.Index(fields=["learner", "-result_date"], name="bksb_initial_learner_date")]


class DiagnosticAssessmentResult(AssessmentResult):
    percent_score = models.FloatField(null=True, blank=True)

    class Meta(AssessmentResult.Meta):
        db_table = "bksb_diagnostic_assessment_result"
        constraints = [
            models.UniqueConstraint(
                fields=["bksb_user_id", "session_id", "assessment_id"], name="bksb_diagnostic_result_unique"
            )
        ]
        indexes = [models.Index(fields=["learner", "-result_date"], name="bksb_diagnostic_learner_date")]
