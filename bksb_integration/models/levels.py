"""Levels at a glance: the per-record, per-subject summary of results, tags, and evidence packs.

These are reporting tables computed from the stored results (never edited by
hand): `bksb_learner_level` (results/levels.py keeps it in step with the result
tables), `bksb_tag_rule` and `bksb_learner_tag` (tags an admin's rules give a
record), and `bksb_evidence_pack` (each evidence pack made, with its fingerprint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from bksb_integration.models.mappings import Level, Subject
from learners.models import Learner

# A summary row gathering results whose CourseSubject no subject mapping row maps.
UNMAPPED_SUBJECT = "unmapped"
SUMMARY_SUBJECT_CHOICES = [
    (Subject.ENGLISH.value, Subject.ENGLISH.label),
    (Subject.MATHS.value, Subject.MATHS.label),
    (Subject.ICT.value, Subject.ICT.label),
    (Subject.ESOL.value, Subject.ESOL.label),
    (UNMAPPED_SUBJECT, "Subject not mapped"),
]


class ResultList(models.TextChoices):
    """Which of bksb's two result lists a result came from."""

    INITIAL = "initial", "Initial assessment"
    DIAGNOSTIC = "diagnostic", "Diagnostic"


def _level_field(verbose: str) -> models.CharField[str | None, str | None]:
    return models.CharField(verbose, max_length=20, choices=Level.choices, null=True, blank=True)


def _rank_field(verbose: str) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(verbose, null=True, blank=True)


class LearnerLevel(models.Model):
    """One record's results in one subject, summarised (only its current bksb user's results count).

    "latest" and "highest" read both lists (initial assessment and diagnostic),
    mapped results only; "initial_latest" / "initial_highest" read initial
    assessments only (tags and funding flags rest on them); "diagnostic" is the
    latest mapped diagnostic. Each reading names its result by list, SessionId and
    AssessmentID. A rank orders levels: Pre-Entry 1 < Entry 1 2 < ... < Level 3 7.
    A row exists only for a subject the record has results in.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_levels")
    subject = models.CharField(max_length=10, choices=SUMMARY_SUBJECT_CHOICES)
    bksb_user_id = models.BigIntegerField("bksb user id counted", null=True, blank=True)
    result_count = models.PositiveIntegerField(default=0)
    initial_count = models.PositiveIntegerField(default=0)
    diagnostic_count = models.PositiveIntegerField(default=0)
    has_unmapped = models.BooleanField("has unmapped results", default=False)

    latest_level = _level_field("latest level")
    latest_rank = _rank_field("latest level's rank")
    latest_date = models.DateTimeField(null=True, blank=True)
    latest_list = models.CharField(max_length=10, choices=ResultList.choices, blank=True)
    latest_session_id = models.BigIntegerField(null=True, blank=True)
    latest_assessment_id = models.BigIntegerField(null=True, blank=True)
    latest_assessment_name = models.TextField(blank=True)

    highest_level = _level_field("highest level")
    highest_rank = _rank_field("highest level's rank")
    highest_date = models.DateTimeField(null=True, blank=True)
    highest_list = models.CharField(max_length=10, choices=ResultList.choices, blank=True)
    highest_session_id = models.BigIntegerField(null=True, blank=True)
    highest_assessment_id = models.BigIntegerField(null=True, blank=True)

    initial_first_date = models.DateTimeField("first initial assessment (mapped or not)", null=True, blank=True)
    initial_latest_level = _level_field("latest initial assessment level")
    initial_latest_rank = _rank_field("latest initial assessment rank")
    initial_latest_date = models.DateTimeField(null=True, blank=True)
    initial_latest_session_id = models.BigIntegerField(null=True, blank=True)
    initial_latest_assessment_id = models.BigIntegerField(null=True, blank=True)
    initial_highest_level = _level_field("highest initial assessment level")
    initial_highest_rank = _rank_field("highest initial assessment rank")
    initial_highest_date = models.DateTimeField(null=True, blank=True)
    initial_highest_session_id = models.BigIntegerField(null=True, blank=True)
    initial_highest_assessment_id = models.BigIntegerField(null=True, blank=True)

    diagnostic_level = _level_field("latest diagnostic level")
    diagnostic_rank = _rank_field("latest diagnostic rank")
    diagnostic_score = models.FloatField("latest diagnostic score (%)", null=True, blank=True)
    diagnostic_date = models.DateTimeField(null=True, blank=True)
    diagnostic_session_id = models.BigIntegerField(null=True, blank=True)
    diagnostic_assessment_id = models.BigIntegerField(null=True, blank=True)

    computed_at = models.DateTimeField()

    class Meta:
        db_table = "bksb_learner_level"
        ordering = ["learner_id", "subject"]
        constraints = [models.UniqueConstraint(fields=["learner", "subject"], name="bksb_learner_level_unique")]
        indexes = [
            models.Index(fields=["subject", "highest_rank"], name="bksb_level_subject_highest"),
            # The learner list and the cohort reports (migration 0018): the level filters' EXISTS and
            # the report's grouped count read only these indexes (index-only scans), never the wide rows. The
            # first two replace (subject, latest_rank) and (subject, initial_latest_rank), which they start with.
            models.Index(fields=["subject", "latest_rank", "learner"], name="bksb_level_subject_latest_l"),
            models.Index(fields=["subject", "initial_latest_rank", "learner"], name="bksb_level_subject_initial_l"),
            models.Index(
                fields=["subject", "learner"], condition=models.Q(initial_count__gt=0), name="bksb_level_initial_done"
            ),
            models.Index(fields=["learner"], condition=models.Q(has_unmapped=True), name="bksb_level_unmapped"),
            models.Index(
                fields=[
                    "subject",
                    "learner",
                    "latest_level",
                    "initial_latest_level",
                    "diagnostic_level",
                    "initial_count",
                    "initial_first_date",
                ],
                name="bksb_level_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.subject}: {self.latest_level or '—'}"


class TagRule(models.Model):
    """When a record's latest (or highest) initial assessment level in a subject is one of `levels`, tag it."""

    class Basis(models.TextChoices):
        LATEST = "latest", "Latest initial assessment"
        HIGHEST = "highest", "Highest initial assessment"

    name = models.CharField("tag", max_length=100)
    subject = models.CharField(max_length=10, choices=Subject.choices)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.LATEST)
    levels = models.JSONField(default=list)  # Level values
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        db_table = "bksb_tag_rule"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class LearnerTag(models.Model):
    """A tag a rule gives a record, with the result it rests on (its history is the audit trail's)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_tags")
    rule = models.ForeignKey(TagRule, on_delete=models.CASCADE, related_name="learner_tags")
    tag = models.CharField(max_length=100)
    subject = models.CharField(max_length=10, choices=Subject.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    session_id = models.BigIntegerField()
    assessment_id = models.BigIntegerField()
    result_date = models.DateTimeField()
    assigned_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        db_table = "bksb_learner_tag"
        ordering = ["tag"]
        constraints = [models.UniqueConstraint(fields=["learner", "rule"], name="bksb_learner_tag_unique")]
        indexes = [models.Index(fields=["rule", "learner"], name="bksb_learner_tag_rule")]

    def __str__(self) -> str:
        return self.tag


class EvidencePack(models.Model):
    """An evidence pack made for a record: who, when, and the fingerprint of the raw items it showed."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="bksb_evidence_packs")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    made_at = models.DateTimeField()
    fingerprint = models.CharField("SHA-256 of the raw items", max_length=64)
    result_count = models.PositiveIntegerField()
    in_bulk = models.BooleanField("made with others (zip)", default=False)

    class Meta:
        db_table = "bksb_evidence_pack"
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["learner", "-made_at"], name="bksb_evidence_learner")]

    def __str__(self) -> str:
        return f"evidence pack {self.learner_id} {self.made_at:%Y-%m-%d %H:%M}"
