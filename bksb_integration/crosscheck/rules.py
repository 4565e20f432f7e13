"""The cross-check's rules: each finding's stable code, the rule in words, its source, and the fix.

The codes are stable: the CSV, `bksb_ilr_check --json` and the page's filter carry them, so a
provider's own checks can rely on them. Where a funding flag already implements a rule (planned
hours, prior attainment first, no initial assessment), the finding reads that flag and quotes its
source (levels/funding_rules.py); the rest are written here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bksb_integration.levels.funding_rules import COF_SOURCE, HOURS_SOURCE, PRIOR_SOURCE
from learners.attainment import LEVEL_1_GRADES

ENGLISH, MATHS = "english", "maths"
SUBJECT_WORDS = {ENGLISH: "English", MATHS: "maths"}
# EngGrade_03 / MathGrade_03: a grade below 4 (C), or U or N, needs the EDF FAM (1 maths, 2 English).
EDF_GRADES = frozenset(LEVEL_1_GRADES | {"U", "N"})
EDF_CODE = {ENGLISH: 2, MATHS: 1}

VALIDATION_SOURCE = (
    "ILR validation rules EngGrade_03 and MathGrade_03, the DfE's public ILR validation service "
    "(SkillsFundingAgency/DC-ILR-2021-ValidationService, Rules/Learner/EngGrade and MathGrade)"
)
GRADE_SOURCE = (
    "ILR specification: EngGrade / MathGrade, the highest grade held at the start of the funding period; " + COF_SOURCE
)
ASSESSED_SOURCE = (
    "This product's check: prior attainment first, then the initial assessment plans the learning "
    "(Gateway Qualifications, EPA and funding rule changes for 2025/26); a bksb level measured after the aim "
    "started above the aim's level means the aim needs review"
)
INITIAL_SOURCE = (
    "All apprentices must complete an initial assessment (2025/26): Gateway Qualifications, "
    "https://www.gatewayqualifications.org.uk/news/epa-funding-rule-changes-for-2025-26-what-apprenticeship-"
    "providers-need-to-know/"
)
NO_RESULT_SOURCE = (
    "This product's check: no ILR field holds an initial assessment, so an English or maths aim rests on the "
    "provider's own evidence (ILR specification 2025/26)"
)
DECISION_SOURCE = (
    "Changes to English and maths requirements, since 11 February 2025 (Apprenticeship service help), "
    "https://help.apprenticeships.education.gov.uk/hc/en-gb/articles/24562861869586-Changes-to-English-and-maths-"
    "requirements; no ILR field holds the decision"
)


@dataclass(frozen=True)
class CheckRule:
    code: str
    subject: str  # "english", "maths", or "" for a finding about both
    title: str  # the filter's words
    rule: str  # the rule, in words
    fix: str  # what to do, in general (a finding words its own)
    source: str


def _grade_without_edf(subject: str) -> CheckRule:
    word, code = SUBJECT_WORDS[subject], "EngGrade" if subject == ENGLISH else "MathGrade"
    return CheckRule(
        f"{subject}_grade_without_edf",
        subject,
        f"GCSE {word} grade 3 or below without EDF {EDF_CODE[subject]}",
        f"A GCSE {word} grade ({code}) of 3 or below (D to G, U or N) needs the learner FAM EDF "
        f"{EDF_CODE[subject]}: {code}_03.",
        f"Add the learner FAM EDF {EDF_CODE[subject]} to the record in the ILR, or correct the grade.",
        VALIDATION_SOURCE,
    )


def _grade_missing(subject: str) -> CheckRule:
    word, code = SUBJECT_WORDS[subject], "EngGrade" if subject == ENGLISH else "MathGrade"
    return CheckRule(
        f"{subject}_grade_missing",
        subject,
        f"16 to 19 learner without a GCSE {word} grade",
        f"A 16 to 19 learner (young people or high needs provision) needs their GCSE {word} grade ({code}) "
        f"recorded, NONE when they have no GCSE in it: the condition of funding is decided from it.",
        f"Record the GCSE {word} grade ({code}) in the ILR: the grade held, or NONE.",
        GRADE_SOURCE,
    )


def _aim_level_held(subject: str) -> CheckRule:
    word = SUBJECT_WORDS[subject]
    return CheckRule(
        f"{subject}_aim_level_held",
        subject,
        f"{word.capitalize()} Functional Skills aim at a level already held",
        f"A {word} Functional Skills aim (not withdrawn) at or below the level the learner's GCSE {word} grade "
        "stands for (grades 1 to 3 level 1, 4 to 9 level 2): prior attainment comes first.",
        "Replace the aim with one above the level held (with grade 3, GCSE), or correct the grade.",
        PRIOR_SOURCE,
    )


def _aim_below_assessed(subject: str) -> CheckRule:
    word = SUBJECT_WORDS[subject]
    return CheckRule(
        f"{subject}_aim_below_assessed",
        subject,
        f"{word.capitalize()} aim below the level bksb assessed",
        f"A {word} Functional Skills aim (not withdrawn) below the latest level bksb measured, where that "
        "assessment is dated after the aim started.",
        "Review the aim against the assessment: move the learner to an aim at the assessed level, or record why "
        "the lower aim is right.",
        ASSESSED_SOURCE,
    )


def _hours_below_minimum(subject: str) -> CheckRule:
    word, fam = SUBJECT_WORDS[subject], "EMH" if subject == ENGLISH else "MMH"
    return CheckRule(
        f"{subject}_hours_below_minimum",
        subject,
        f"Planned {word} hours ({fam}) below the band's minimum",
        f"A 16 to 19 study programme that must include {word} (no GCSE grade 4) plans fewer {word} hours "
        f"({fam}) than the band's minimum. The band is not in the ILR, so the smallest band's minimum is used.",
        f"Plan at least the band's minimum of {word} hours on the 16 to 19 funded aim ({fam}).",
        HOURS_SOURCE,
    )


def _no_initial(subject: str) -> CheckRule:
    word = SUBJECT_WORDS[subject]
    return CheckRule(
        f"{subject}_no_initial_assessment",
        subject,
        f"Apprentice with no {word} initial assessment before the start",
        f"An apprentice must complete an initial assessment: no bksb {word} initial assessment is dated on or "
        "before the start date.",
        f"Have the apprentice take the bksb {word} initial assessment (or Get Results if they have), and check "
        "the start date; an assessment taken after the start cannot stand for one before it: record why.",
        INITIAL_SOURCE,
    )


def _aim_no_result(subject: str) -> CheckRule:
    word = SUBJECT_WORDS[subject]
    return CheckRule(
        f"{subject}_aim_no_bksb_result",
        subject,
        f"{word.capitalize()} aim with no bksb {word} result",
        f"A {word} aim whose learner has no bksb {word} result at all (initial assessment or diagnostic).",
        f"Have the learner take the bksb {word} initial assessment, or Get Results if they have taken it.",
        NO_RESULT_SOURCE,
    )


APPRENTICE_NO_DECISION = CheckRule(
    "apprentice_no_decision",
    "",
    "19+ apprentice with no English and maths decision",
    "A 19+ apprentice opts in or out of English and maths qualifications; the provider records the decision "
    "with the employer and the apprentice, and re-signs the training plan. No ILR field holds it.",
    "Record the apprentice's English and maths decision (opted in, opted out or exempt, with its date and who "
    "discussed it) on the record's BKSB tab.",
    DECISION_SOURCE,
)

RULES: tuple[CheckRule, ...] = (
    *(_grade_without_edf(s) for s in (ENGLISH, MATHS)),
    *(_grade_missing(s) for s in (ENGLISH, MATHS)),
    *(_aim_level_held(s) for s in (ENGLISH, MATHS)),
    *(_aim_below_assessed(s) for s in (ENGLISH, MATHS)),
    *(_hours_below_minimum(s) for s in (ENGLISH, MATHS)),
    *(_no_initial(s) for s in (ENGLISH, MATHS)),
    *(_aim_no_result(s) for s in (ENGLISH, MATHS)),
    APPRENTICE_NO_DECISION,
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
