"""Prior attainment as the ILR records it: the ULN, GCSE English and maths grades, prior level, learner FAMs.

The codes are the ILR's own (specification 2025/26), so a record read from an
ILR file and one typed into a CSV mean the same thing. Sources: the ILR
specification's field definitions, and the DfE's public ILR validation service
(SkillsFundingAgency/DC-ILR-2021-ValidationService: ULN_04 and its derived
data DD01 for the check digit; EngGrade_03 / MathGrade_03 for the grades that
need the EDF FAM).
"""

from __future__ import annotations

from django.db import models

ULN_NOT_KNOWN = "9999999999"

# Grades 9-1, the letter grades and double awards, then the two words. A blank field is "not known".
_DOUBLE_AWARDS = ["A*A*", "A*A", "AA", "AB", "BB", "BC", "CC", "CD", "DD", "DE", "EE", "EF", "FF", "FG", "GG"]
GCSE_GRADE_CHOICES: list[tuple[str, str]] = [
    *[(str(grade), f"Grade {grade}") for grade in range(9, 0, -1)],
    *[(letter, f"Grade {letter}") for letter in ("A*", "A", "B", "C", "D", "E", "F", "G")],
    *[(double, f"Grade {double} (double award)") for double in _DOUBLE_AWARDS],
    ("U", "Unclassified (U)"),
    ("N", "No grade awarded (N)"),
    ("NONE", "No GCSE in this subject"),
]
GRADE_WORDS = dict(GCSE_GRADE_CHOICES)
GRADE_NOT_KNOWN = "Not known"

LEVEL_2_GRADES = {"9", "8", "7", "6", "5", "4", "A*", "A", "B", "C", "A*A*", "A*A", "AA", "AB", "BB", "BC", "CC", "CD"}
LEVEL_1_GRADES = {"3", "2", "1", "D", "E", "F", "G", "DD", "DE", "EE", "EF", "FF", "FG", "GG"}


class PriorLevel(models.TextChoices):
    """ILR PriorAttain/PriorLevel: the learner's highest prior attainment.

    The codes and words are the ILR specification's for the PriorAttain field (Submit learner
    data guidance, "Prior attainment: Field"), which HESA's Student record repeats (C18051
    PRIORATTAIN). Codes 4 (Level 4) and 5 (Level 5 and above) ended on 31 July 2013 and are
    not accepted: 10 to 13 replaced them.
    """

    ENTRY = "9", "Entry level"
    LEVEL_1 = "1", "Level 1"
    FULL_LEVEL_2 = "2", "Full level 2"
    FULL_LEVEL_3 = "3", "Full level 3"
    LEVEL_4 = "10", "Level 4"
    LEVEL_5 = "11", "Level 5"
    LEVEL_6 = "12", "Level 6"
    LEVEL_7 = "13", "Level 7 and above"
    OTHER_BELOW_1 = "7", "Other qualifications below level 1"
    OTHER_NOT_KNOWN = "97", "Other qualification, level not known"
    NOT_KNOWN = "98", "Not known"
    NONE = "99", "No qualifications"


def uln_problem(value: str) -> str | None:
    """Why a ULN is not valid (ILR rules ULN_01 and ULN_04 with DD01), or None.

    The check digit: the first nine digits weighted 10 down to 2, summed, taken
    mod 11; 10 minus that is the tenth digit, and a remainder of 0 has none.
    9999999999 means "not known" and is accepted.
    """
    if len(value) != 10 or not value.isdigit():
        return f"“{value}” is not 10 digits."
    if value == ULN_NOT_KNOWN:
        return None
    remainder = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True)) % 11
    if remainder == 0 or str(10 - remainder) != value[9]:
        return f"{value} fails the ULN check digit."
    return None


def grade_level(grade: str) -> int | None:
    """The level a GCSE grade stands for: 4-9 (A*-C) level 2, 1-3 (D-G) level 1; else none."""
    if grade in LEVEL_2_GRADES:
        return 2
    if grade in LEVEL_1_GRADES:
        return 1
    return None


def grade_words(grade: str) -> str:
    return GRADE_WORDS.get(grade, GRADE_NOT_KNOWN) if grade else GRADE_NOT_KNOWN


def grade_key(value: str) -> str:
    """A typed grade as the ILR spells it ("a*" -> "A*", "none" -> "NONE")."""
    return value.strip().upper()
