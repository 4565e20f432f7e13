"""Admin-editable tables mapping bksb's wording to our scales."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords


class Level(models.TextChoices):
    """The UK functional-skills scale, lowest first (the rank is the order)."""

    PRE_ENTRY = "pre_entry", "Pre-Entry"
    ENTRY_1 = "entry_1", "Entry 1"
    ENTRY_2 = "entry_2", "Entry 2"
    ENTRY_3 = "entry_3", "Entry 3"
    LEVEL_1 = "level_1", "Level 1"
    LEVEL_2 = "level_2", "Level 2"
    LEVEL_3 = "level_3", "Level 3"


LEVEL_RANK: dict[str, int] = {value: rank for rank, value in enumerate(Level.values, start=1)}


class Subject(models.TextChoices):
    ENGLISH = "english", "English"
    MATHS = "maths", "Maths"
    ICT = "ict", "ICT/Digital"
    ESOL = "esol", "ESOL"
    OTHER = "other", "Other"


class LevelMapping(models.Model):
    """Result text (e.g. "Maths Entry 3") to a level.

    An exact row matches the whole text; an ends-with row matches its end
    ("Entry 3" matches "English Entry 3"). Matching ignores case and repeated
    spaces; exact rows win, then the longest ends-with row.
    """

    class Match(models.TextChoices):
        EXACT = "exact", "Whole text"
        ENDS_WITH = "ends_with", "Ends with"

    text = models.CharField(max_length=200, db_comment="The text to match, ignoring case and repeated spaces.")
    match = models.CharField(
        max_length=10,
        choices=Match.choices,
        default=Match.EXACT,
        db_comment="exact (the whole text) or ends_with (the end of the text, on a word boundary).",
    )
    level = models.CharField(max_length=20, choices=Level.choices, db_comment="The level it maps to.")

    history = HistoricalRecords()

    class Meta:
        db_table_comment = (
            "Admin-editable rules turning bksb's Result text into a level (Integrations > bksb > Levels)."
        )
        db_table = "bksb_level_mapping"
        ordering = ["match", "text"]
        constraints = [models.UniqueConstraint(fields=["text", "match"], name="bksb_level_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.text} → {self.get_level_display()}"


class SubjectMapping(models.Model):
    """A bksb CourseSubject code (e.g. MATHS_NEW) to a subject."""

    course_subject = models.CharField(max_length=100, unique=True, db_comment="The CourseSubject code, ignoring case.")
    subject = models.CharField(max_length=10, choices=Subject.choices, db_comment="The subject it maps to.")

    history = HistoricalRecords()

    class Meta:
        db_table_comment = (
            "Admin-editable rules turning bksb's CourseSubject code into a subject (Integrations > bksb > Subjects)."
        )
        db_table = "bksb_subject_mapping"
        ordering = ["course_subject"]

    def __str__(self) -> str:
        return f"{self.course_subject} → {self.get_subject_display()}"
