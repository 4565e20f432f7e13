"""The words bksb uses in results, as the sandbox (a test double) imitates them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """One bksb course subject and the names that go with it."""

    code: str
    word: str  # as it starts a Result text, e.g. "Maths Level 1"
    course_name: str
    assessment_id: int
    old_assessment_id: int | None
    components: tuple[str, ...]


SUBJECTS = (
    Subject(
        "ENG_NEW",
        "English",
        "English Functional Skills",
        50001,
        40001,
        ("Reading", "Spelling", "Punctuation", "Grammar", "Writing Composition"),
    ),
    Subject(
        "MATHS_NEW",
        "Maths",
        "Maths Functional Skills",
        50000,
        40000,
        (
            "Whole Numbers",
            "Fractions, Decimals & Percentages",
            "Ratio & Proportion",
            "Measures",
            "Shape & Space",
            "Handling Data",
        ),
    ),
    Subject("ICT", "ICT", "ICT Functional Skills", 468, None, ("Digital Skills",)),
)
SUBJECT_WEIGHTS = (4, 4, 2)
SUBJECT_BY_CODE = {s.code: s for s in SUBJECTS}

LEVELS = ("Entry 1", "Entry 2", "Entry 3", "Level 1", "Level 2")
LEVEL_WEIGHTS = (1, 2, 4, 5, 3)

# Texts that no sensible mapping table holds by default (tenant/version quirks).
UNMAPPED_RESULTS = ("Maths ACSF L1", "Working towards E2", "Level 1 (provisional)")


def result_text(subject: Subject, level: str, quirk: float) -> str:
    """The Result wording for a level, with the occasional tenant quirk."""
    if quirk < 0.02:
        return UNMAPPED_RESULTS[int(quirk * 150) % len(UNMAPPED_RESULTS)]
    if quirk < 0.06:
        return {
            "ENG_NEW": "Pre-Entry",
            "MATHS_NEW": "Mathematics Below Entry 1",
            "ICT": "ICT Below Entry 3",
        }[subject.code]
    return f"{subject.word} {level}"


def assessment_name(subject: Subject, kind: str, level: str) -> str:
    """E.g. "Maths Initial Assessment" or "English Level 1 Diagnostic"."""
    if kind == "initial":
        return f"{subject.word} Initial Assessment"
    return f"{subject.word} {level} Diagnostic"


HOSTILE_USERNAMES = (
    "o'brien.test",
    "name with space",
    "ünïcode+plus&amp",
    'quote"d<b>user</b>',
)

HOSTILE_STRINGS = (
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "\"double\" and 'single' quotes",
    "Emoji 🎓📚✅ and ünïcödé",
    "Long " + "x" * 1995,
)

OTHER_USERNAMES = tuple(f"other.user{i:02d}" for i in range(1, 11))
