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


def _level_field(verbose: str, *, db_comment: str) -> models.CharField[str | None, str | None]:
    return models.CharField(verbose, max_length=20, choices=Level.choices, null=True, blank=True, db_comment=db_comment)


def _rank_field(verbose: str, *, db_comment: str) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(verbose, null=True, blank=True, db_comment=db_comment)


class LearnerLevel(models.Model):
    """One record's results in one subject, summarised (only its current bksb user's results count).

    "latest" and "highest" read both lists (initial assessment and diagnostic),
    mapped results only; "initial_latest" / "initial_highest" read initial
    assessments only (tags and funding flags rest on them); "diagnostic" is the
    latest mapped diagnostic. Each reading names its result by list, SessionId and
    AssessmentID. A rank orders levels: Pre-Entry 1 < Entry 1 2 < ... < Level 3 7.
    A row exists only for a subject the record has results in.
    """

    learner = models.ForeignKey(
        Learner,
        on_delete=models.CASCADE,
        related_name="bksb_levels",
        db_comment="The learner or applicant (learners_learner.id).",
    )
    subject = models.CharField(
        max_length=10,
        choices=SUMMARY_SUBJECT_CHOICES,
        db_comment="english, maths, ict, esol, or unmapped: results whose CourseSubject no subject mapping row maps.",
    )
    bksb_user_id = models.BigIntegerField(
        "bksb user id counted",
        null=True,
        blank=True,
        db_comment="The bksb user whose results were counted (the record's link when computed).",
    )
    result_count = models.PositiveIntegerField(default=0, db_comment="Results counted in the subject (both lists).")
    initial_count = models.PositiveIntegerField(
        default=0, db_comment="Initial assessment results among them (mapped to a level or not)."
    )
    diagnostic_count = models.PositiveIntegerField(default=0, db_comment="Diagnostic results among them.")
    has_unmapped = models.BooleanField(
        "has unmapped results",
        default=False,
        db_comment="Whether any of them has no level (its Result text is not mapped), or no subject.",
    )

    latest_level = _level_field(
        "latest level", db_comment="The level of the latest mapped result of either list; empty when there is none."
    )
    latest_rank = _rank_field(
        "latest level's rank",
        db_comment=(
            "Its rank, 1 (Pre-Entry) to 7 (Level 3): filter and sort on it (e.g. latest_rank < 5 is below Level 1)."
        ),
    )
    latest_date = models.DateTimeField(null=True, blank=True, db_comment="When that result was taken (UTC).")
    latest_list = models.CharField(
        max_length=10,
        choices=ResultList.choices,
        blank=True,
        db_comment="Which list that result is in: initial or diagnostic.",
    )
    latest_session_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's SessionId.")
    latest_assessment_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's AssessmentID.")
    latest_assessment_name = models.TextField(blank=True, db_comment="Its AssessmentName.")

    highest_level = _level_field(
        "highest level",
        db_comment=(
            "The level of the highest mapped result of either list (of equal levels, the latest); "
            "empty when there is none."
        ),
    )
    highest_rank = _rank_field(
        "highest level's rank",
        db_comment=(
            "Its rank, 1 (Pre-Entry) to 7 (Level 3): filter and sort on it (e.g. highest_rank < 5 is below Level 1)."
        ),
    )
    highest_date = models.DateTimeField(null=True, blank=True, db_comment="When that result was taken (UTC).")
    highest_list = models.CharField(
        max_length=10,
        choices=ResultList.choices,
        blank=True,
        db_comment="Which list that result is in: initial or diagnostic.",
    )
    highest_session_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's SessionId.")
    highest_assessment_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's AssessmentID.")

    initial_first_date = models.DateTimeField(
        "first initial assessment (mapped or not)",
        null=True,
        blank=True,
        db_comment="When the first initial assessment in the subject was taken, mapped or not (UTC).",
    )
    # Distance travelled (levels/distance.py) reads these against the latest reading above.
    initial_first_mapped_level = _level_field(
        "first mapped initial assessment level",
        db_comment=(
            "The level of the first mapped initial assessment (by date, SessionId, AssessmentID): where the "
            "learner started, for distance travelled; empty when there is none."
        ),
    )
    initial_first_mapped_rank = _rank_field(
        "first mapped initial assessment rank", db_comment="Its rank, 1 (Pre-Entry) to 7 (Level 3)."
    )
    initial_first_mapped_date = models.DateTimeField(
        null=True, blank=True, db_comment="When that result was taken (UTC)."
    )
    initial_first_mapped_session_id = models.BigIntegerField(
        null=True, blank=True, db_comment="That result's SessionId."
    )
    initial_first_mapped_assessment_id = models.BigIntegerField(
        null=True, blank=True, db_comment="That result's AssessmentID."
    )
    initial_first_mapped_is_latest = models.BooleanField(
        "first mapped initial assessment is the latest result",
        default=False,
        db_comment=(
            "Whether that result is also the latest mapped result of either list (latest_*): the learner has no "
            "diagnostic or reassessment since."
        ),
    )
    initial_latest_level = _level_field(
        "latest initial assessment level",
        db_comment=(
            "The level of the latest mapped initial assessment (tags and funding flags read it); "
            "empty when there is none."
        ),
    )
    initial_latest_rank = _rank_field(
        "latest initial assessment rank",
        db_comment=(
            "Its rank, 1 (Pre-Entry) to 7 (Level 3): filter and sort on it (e.g. "
            "initial_latest_rank < 5 is below Level 1)."
        ),
    )
    initial_latest_date = models.DateTimeField(null=True, blank=True, db_comment="When that result was taken (UTC).")
    initial_latest_session_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's SessionId.")
    initial_latest_assessment_id = models.BigIntegerField(
        null=True, blank=True, db_comment="That result's AssessmentID."
    )
    initial_highest_level = _level_field(
        "highest initial assessment level",
        db_comment="The level of the highest mapped initial assessment; empty when there is none.",
    )
    initial_highest_rank = _rank_field(
        "highest initial assessment rank",
        db_comment=(
            "Its rank, 1 (Pre-Entry) to 7 (Level 3): filter and sort on it (e.g. "
            "initial_highest_rank < 5 is below Level 1)."
        ),
    )
    initial_highest_date = models.DateTimeField(null=True, blank=True, db_comment="When that result was taken (UTC).")
    initial_highest_session_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's SessionId.")
    initial_highest_assessment_id = models.BigIntegerField(
        null=True, blank=True, db_comment="That result's AssessmentID."
    )

    diagnostic_level = _level_field(
        "latest diagnostic level", db_comment="The level of the latest mapped diagnostic; empty when there is none."
    )
    diagnostic_rank = _rank_field(
        "latest diagnostic rank",
        db_comment=(
            "Its rank, 1 (Pre-Entry) to 7 (Level 3): filter and sort on it (e.g. diagnostic_rank < 5 is below Level 1)."
        ),
    )
    diagnostic_score = models.FloatField(
        "latest diagnostic score (%)", null=True, blank=True, db_comment="That diagnostic's PercentScore."
    )
    diagnostic_date = models.DateTimeField(null=True, blank=True, db_comment="When that result was taken (UTC).")
    diagnostic_session_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's SessionId.")
    diagnostic_assessment_id = models.BigIntegerField(null=True, blank=True, db_comment="That result's AssessmentID.")

    computed_at = models.DateTimeField(
        db_comment="When the row's values last changed (a recomputation that changes nothing leaves it)."
    )

    class Meta:
        db_table_comment = (
            "One row per record and subject it has results in: its levels at a glance, computed "
            "from the result tables (only the results of the record's current bksb user, "
            "bksb_link.bksb_user_id) in the same transaction that stores a download's results, and "
            "recomputed when the record is linked to another bksb user or a level or subject "
            "mapping changes (bksb_rebuild_levels recomputes all). Unique on (learner_id, "
            "subject)."
        )
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
            # Distance travelled's grouped count reads this index alone.
            models.Index(
                fields=[
                    "subject",
                    "learner",
                    "initial_first_mapped_rank",
                    "latest_rank",
                    "initial_first_mapped_is_latest",
                ],
                condition=models.Q(initial_first_mapped_rank__isnull=False),
                name="bksb_level_distance",
            ),
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

    name = models.CharField("tag", max_length=100, db_comment="The tag, e.g. “Maths support: Entry”.")
    subject = models.CharField(
        max_length=10, choices=Subject.choices, db_comment="The subject whose initial assessment is read."
    )
    basis = models.CharField(
        max_length=10,
        choices=Basis.choices,
        default=Basis.LATEST,
        db_comment="latest or highest: which initial assessment is read.",
    )
    levels = models.JSONField(
        default=list, db_comment="The levels (JSON list of level values) that give the tag."
    )  # Level values
    active = models.BooleanField(default=True, db_comment="Inactive rules tag no one.")
    created_at = models.DateTimeField(auto_now_add=True, db_comment="When the rule was added.")
    updated_at = models.DateTimeField(auto_now=True, db_comment="When the rule was last changed.")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        db_table_comment = (
            "Admin-defined tag rules (Integrations > bksb > Tags and funding): a record carries "
            "the tag when its latest (or highest) initial assessment level in the subject is one "
            "of the levels."
        )
        db_table = "bksb_tag_rule"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class LearnerTag(models.Model):
    """A tag a rule gives a record, with the result it rests on (its history is the audit trail's)."""

    learner = models.ForeignKey(
        Learner,
        on_delete=models.CASCADE,
        related_name="bksb_tags",
        db_comment="The learner or applicant (learners_learner.id).",
    )
    rule = models.ForeignKey(
        TagRule, on_delete=models.CASCADE, related_name="learner_tags", db_comment="The tag rule (bksb_tag_rule.id)."
    )
    tag = models.CharField(max_length=100, db_comment="The rule's name when the tag was given.")
    subject = models.CharField(max_length=10, choices=Subject.choices, db_comment="The rule's subject.")
    level = models.CharField(max_length=20, choices=Level.choices, db_comment="The level the tag rests on.")
    session_id = models.BigIntegerField(db_comment="The SessionId of the initial assessment it rests on.")
    assessment_id = models.BigIntegerField(db_comment="Its AssessmentID.")
    result_date = models.DateTimeField(db_comment="When that initial assessment was taken (UTC).")
    assigned_at = models.DateTimeField(db_comment="When the tag was given, or last moved to another result.")

    history = HistoricalRecords()

    class Meta:
        db_table_comment = (
            "The tags records carry, one row per record and rule, recomputed with "
            "bksb_learner_level. Every tag given, moved or taken off is in the audit trail (with "
            "the reason)."
        )
        db_table = "bksb_learner_tag"
        ordering = ["tag"]
        constraints = [models.UniqueConstraint(fields=["learner", "rule"], name="bksb_learner_tag_unique")]
        indexes = [models.Index(fields=["rule", "learner"], name="bksb_learner_tag_rule")]

    def __str__(self) -> str:
        return self.tag


class EvidencePack(models.Model):
    """An evidence pack made for a record: who, when, and the fingerprint of the raw items it showed."""

    learner = models.ForeignKey(
        Learner,
        on_delete=models.CASCADE,
        related_name="bksb_evidence_packs",
        db_comment="The learner or applicant (learners_learner.id).",
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_comment="The staff user who made it (auth_user.id); empty for the command line.",
    )
    made_at = models.DateTimeField(db_comment="When it was made.")
    fingerprint = models.CharField(
        "SHA-256 of the raw items",
        max_length=64,
        db_comment=(
            "The SHA-256 of the record's stored raw items the pack showed (its Integrity section "
            "says how to recompute it)."
        ),
    )
    result_count = models.PositiveIntegerField(db_comment="How many stored results it showed.")
    in_bulk = models.BooleanField(
        "made with others (zip)",
        default=False,
        db_comment="Whether it was made with others, as a zip from the learner list.",
    )

    class Meta:
        db_table_comment = (
            "Each evidence pack made (a PDF of a record's stored results for audit), from the BKSB tab or in a zip."
        )
        db_table = "bksb_evidence_pack"
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["learner", "-made_at"], name="bksb_evidence_learner")]

    def __str__(self) -> str:
        return f"evidence pack {self.learner_id} {self.made_at:%Y-%m-%d %H:%M}"
