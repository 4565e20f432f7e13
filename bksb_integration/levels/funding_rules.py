"""The funding flags: what each says, the rule it implements quoted with its source, and the rules years.

The thresholds are settings (Integrations > bksb > Tags and funding); the rules
change every August, so each flag names the rules years it implements and the
page "What the funding flags mean" quotes each rule and names its document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bksb_integration.models import BksbSettings, Level, Subject

RULES_YEARS = "2025/26 and 2026/27"
# 16 to 19 planned hours: the smallest band's minimum (bands 1 and 2, up to 300 hours). The ILR fields that
# give a programme's band are not read, so a programme is flagged only below every band's minimum.
COF_MINIMUM_HOURS = {Subject.ENGLISH.value: 52, Subject.MATHS.value: 43}

ADULT_SKILLS_FUND = "Adult skills fund: funding rules (gov.uk, published each year)"
COF_SOURCE = (
    "16 to 19 funding: maths and English condition of funding, 2026 to 2027 academic year (gov.uk), "
    "https://www.gov.uk/government/publications/16-to-19-funding-maths-and-english-condition-of-funding"
)
HOURS_SOURCE = (
    "ILR 2025/26 summary of changes, quoting the 16 to 19 guidance (DfE customer help), "
    "https://customerhelp.education.gov.uk/hc/en-gb/community/posts/24792589083922-ILR-25-26-summary-of-changes"
)
PRIOR_SOURCE = (
    "ESFA community answer on Functional Skills level 1 funding, "
    "https://esfahelp.education.gov.uk/hc/en-gb/community/posts/9752273693074-Functional-Skill-L1-funding; "
    "GCSE grade to level: 2024/25 apprenticeship funding rules"
)
DIGITAL_SOURCE = "Adult skills fund: funding rules, digital entitlement (gov.uk, published each year)"
APPRENTICESHIP_SOURCE = "Apprenticeship funding rules: prior learning (gov.uk, published each year)"
APPRENTICE_EM_SOURCE = (
    "Apprenticeship funding rules 2025/26 and 2026/27: English and maths for apprentices aged 19 and over (gov.uk); "
    "opt in / opt out from 11 February 2025"
)
OWN_SOURCE = "This product's own check: the initial assessment should precede the start of learning"


@dataclass(frozen=True)
class Thresholds:
    entitlement_below: str  # English and maths
    digital_below: str
    prior_knowledge_from: str

    @classmethod
    def load(cls, settings: BksbSettings | None = None) -> Thresholds:
        settings = settings or BksbSettings.load()
        return cls(
            settings.funding_entitlement_below,
            settings.funding_digital_below,
            settings.funding_prior_knowledge_from,
        )


def level_label(level: str) -> str:
    return str(Level(level).label)


@dataclass(frozen=True)
class FundingFlag:
    code: str
    subject: str
    # "entitlement", "digital", "no_initial", "prior_knowledge", "condition_of_funding", "cof_hours",
    # "prior_attainment" or "apprentice_learning"
    kind: str
    threshold: Callable[[Thresholds], str | None]
    wording: Callable[[Thresholds], str]
    meaning: Callable[[Thresholds], str]
    rule: str  # the rule, quoted or summarised from its source
    source: str

    def label(self, thresholds: Thresholds) -> str:
        return self.wording(thresholds)


def _subject(subject: str) -> str:
    return "English" if subject == Subject.ENGLISH else "maths"


def _entitlement(subject: str) -> FundingFlag:
    word = _subject(subject)
    return FundingFlag(
        f"{subject}_entitlement",
        subject,
        "entitlement",
        lambda t: t.entitlement_below,
        lambda t: (
            f"{word.capitalize()} assessed below {level_label(t.entitlement_below)}, aged 19+, no GCSE grade 4: "
            "eligible for the fully funded entitlement"
        ),
        lambda t: (
            f"Raised when the latest {word} initial assessment is below {level_label(t.entitlement_below)}, the "
            f"learner is aged 19 or over on 31 August of the funding year their learning starts in, and the record "
            f"holds no GCSE {word} grade 4 (C) or above. A learner who holds one is not eligible, whatever the "
            f"assessment says: their record says so instead (“GCSE grade 5 held: not eligible”)."
        ),
        "Fully funded English and maths up to and including level 2 for learners aged 19 and over who have not "
        "already attained a GCSE grade 4 (C) or above in that subject.",
        ADULT_SKILLS_FUND,
    )


def _condition_of_funding(subject: str) -> FundingFlag:
    word = _subject(subject)
    return FundingFlag(
        f"{subject}_condition_of_funding",
        subject,
        "condition_of_funding",
        lambda t: None,
        lambda t: f"{word.capitalize()}: 16 to 19 condition of funding: must study {word}",
        lambda t: (
            f"Raised for a learner on a 16 to 19 study programme (young people or high needs provision with a "
            f"funding model 25 aim) without GCSE {word} grade 4 (C) or above on record. With grade 3 they must study "
            f"GCSE {word}; with grade 2 or below (or none) GCSE or a level 1 or entry level qualification."
        ),
        "Students without grade 4 in English or maths must study it. Grade 3: GCSE. Grade 2 or below: GCSE or a "
        "level 1 / entry level qualification (the former stepping stones). Unchanged for 2026/27.",
        COF_SOURCE,
    )


def _cof_hours(subject: str) -> FundingFlag:
    word, minimum = _subject(subject), COF_MINIMUM_HOURS[subject]
    fam = "EMH" if subject == Subject.ENGLISH else "MMH"
    return FundingFlag(
        f"{subject}_cof_hours",
        subject,
        "cof_hours",
        lambda t: None,
        lambda t: f"{word.capitalize()}: planned hours below the 16 to 19 minimum",
        lambda t: (
            f"Raised when the {word} condition of funding applies and no 16 to 19 funded aim plans {minimum} or more "
            f"{word} hours ({fam}): the smallest band's minimum. The programme's band is not read from the ILR, so "
            f"a programme in a larger band needs checking against its own minimum."
        ),
        "Minimum English / maths hours a year: band 5 (580 h) 100 / 100; bands 4a and 4b (485 h) 84 / 70; band 3 "
        "(385 h) 66 / 56; bands 2 and 1 (up to 300 h) 52 / 43. Recorded with the learning delivery FAMs EMH / MMH "
        "from 2025/26.",
        HOURS_SOURCE,
    )


def _prior_attainment(subject: str) -> FundingFlag:
    word = _subject(subject)
    return FundingFlag(
        f"{subject}_prior_attainment",
        subject,
        "prior_attainment",
        lambda t: None,
        lambda t: f"{word.capitalize()}: Functional Skills aim at or below a level already held",
        lambda t: (
            f"Raised when a {word} Functional Skills aim (the English and maths aim mapping gives its level), not "
            f"withdrawn, is at or below the level the learner's GCSE {word} grade stands for: grades 1 to 3 are "
            f"level 1, grades 4 to 9 level 2. Prior attainment comes first, whatever the assessment says."
        ),
        "Prior attainment always takes precedence over initial assessment results: with GCSE grade 3 a learner "
        "cannot be funded for a level 1 Functional Skills aim even if the assessment shows Entry 3. Grades 9 to 4 "
        "(A* to C) are level 2; grades 3 to 1 (D to G) are level 1.",
        PRIOR_SOURCE,
    )


def _apprentice_learning(subject: str) -> FundingFlag:
    word, fam = _subject(subject), ("EMH" if subject == Subject.ENGLISH else "MMH")
    return FundingFlag(
        f"{subject}_apprentice_learning",
        subject,
        "apprentice_learning",
        lambda t: None,
        lambda t: f"{word.capitalize()}: 19+ apprentice with no {word} learning planned and no decision to drop it",
        lambda t: (
            f"Raised for an apprentice (apprenticeships provision) aged 19 or over, as the adult rules count it, when "
            f"no aim plans {word} learning (a {word} Functional Skills aim not withdrawn, or planned {word} hours, "
            f"{fam}) and the latest {word} decision on the record's BKSB tab is not opted out, exempt or withdrawn. "
            "The flag names the decision it read, or says none is recorded."
        ),
        "English and maths are optional for apprentices aged 19 and over from 11 February 2025: the apprentice and "
        "employer opt in or out, and the provider keeps the decision as evidence (no ILR field holds it). An "
        "apprentice who opts in and later withdraws is withdrawn back to their last day of English and maths "
        "learning (2026/27).",
        APPRENTICE_EM_SOURCE,
    )


def _no_initial(subject: str) -> FundingFlag:
    word = str(Subject(subject).label)
    return FundingFlag(
        f"{subject}_no_initial",
        subject,
        "no_initial",
        lambda t: None,
        lambda t: f"{word}: no initial assessment before the start date",
        lambda t: (
            f"The record has a start date, and no {word} initial assessment result (mapped to a level or not) "
            "is dated on or before it."
        ),
        "All apprentices must complete an initial assessment (2025/26); learning is planned from it.",
        OWN_SOURCE,
    )


def _prior_knowledge(subject: str) -> FundingFlag:
    word = _subject(subject)
    return FundingFlag(
        f"{subject}_prior_knowledge",
        subject,
        "prior_knowledge",
        lambda t: t.prior_knowledge_from,
        lambda t: (
            f"{word.capitalize()} prior knowledge shown: {level_label(t.prior_knowledge_from)} or above at initial "
            "assessment"
        ),
        lambda t: (
            f"The latest {word} initial assessment is {level_label(t.prior_knowledge_from)} or above: a candidate "
            f"for reduced {word} hours for a 16-18 apprentice, when the prior knowledge is recorded on the plan. "
            "The flag names the learner's age as the funding rules count it."
        ),
        "An apprentice's prior learning and knowledge is assessed at the start, and the training plan and its "
        "funding are reduced for it.",
        APPRENTICESHIP_SOURCE,
    )


DIGITAL = FundingFlag(
    "digital_below",
    Subject.ICT,
    "digital",
    lambda t: t.digital_below,
    lambda t: f"Digital assessed below {level_label(t.digital_below)}, aged 19+",
    lambda t: (
        f"The latest ICT/digital initial assessment is below {level_label(t.digital_below)} and the learner is aged "
        "19 or over on 31 August of the funding year their learning starts in: the digital skills entitlement "
        "needs an assessment below Level 1."
    ),
    "Fully funded essential digital skills qualifications for learners aged 19 and over whose digital skills are "
    "assessed below level 1.",
    DIGITAL_SOURCE,
)

FLAGS: tuple[FundingFlag, ...] = (
    _entitlement(Subject.ENGLISH),
    _entitlement(Subject.MATHS),
    _condition_of_funding(Subject.ENGLISH),
    _condition_of_funding(Subject.MATHS),
    _cof_hours(Subject.ENGLISH),
    _cof_hours(Subject.MATHS),
    _prior_attainment(Subject.ENGLISH),
    _prior_attainment(Subject.MATHS),
    _apprentice_learning(Subject.ENGLISH),
    _apprentice_learning(Subject.MATHS),
    DIGITAL,
    _no_initial(Subject.ENGLISH),
    _no_initial(Subject.MATHS),
    _prior_knowledge(Subject.ENGLISH),
    _prior_knowledge(Subject.MATHS),
)
FLAGS_BY_CODE = {flag.code: flag for flag in FLAGS}
