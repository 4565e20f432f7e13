"""The learner facts the funding rules read beside the assessment: age as the rules count it, GCSE grades and
where they came from, the programme, and the English and maths aims. Each in Python (per record) and as a
queryset condition (for the list and the reports), held to the same answers by the tests.

Age: the adult funding rules count a learner's age on 31 August of the funding year their learning starts in
(a funding year runs 1 August to 31 July). The start is the record's start date (the earliest aim's start, for
a record read from the ILR), or today for a record without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from learners.aim_codes import FUND_MODEL_16_19
from learners.attainment import LEVEL_1_GRADES, LEVEL_2_GRADES, grade_level, grade_words
from learners.models import EnglishMathsAim, Learner, LearningAim, ProvisionType

ADULT_AGE = 19
WITHDRAWN = 3
# Functional Skills levels at or below a level held: GCSE 1-3 is level 1, 4-9 level 2.
AIM_LEVELS_AT_OR_BELOW = {
    1: ("entry_1", "entry_2", "entry_3", "level_1"),
    2: ("entry_1", "entry_2", "entry_3", "level_1", "level_2"),
}
YOUNG_PROVISION = (ProvisionType.YOUNG_PEOPLE, ProvisionType.HIGH_NEEDS)


def funding_year_start(day: dt.date) -> int:
    """The calendar year a funding year starts in (1 August)."""
    return day.year if day.month >= 8 else day.year - 1


def funding_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


@dataclass(frozen=True)
class Age:
    years: int | None
    counted: str  # how, in words

    @property
    def adult(self) -> bool:
        return self.years is not None and self.years >= ADULT_AGE


def age_of(learner: Learner, *, today: dt.date | None = None) -> Age:
    start = learner.start_date or today or timezone.localdate()
    year = funding_year_start(start)
    on = dt.date(year, 8, 31)
    basis = "the start date" if learner.start_date else "today"
    if learner.date_of_birth is None:
        return Age(None, f"date of birth not known (funding year {funding_year_label(year)}, from {basis})")
    birth = learner.date_of_birth
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return Age(years, f"aged {years} on 31 Aug {year}, the {funding_year_label(year)} funding year of {basis}")


def rules_year(learner: Learner, *, today: dt.date | None = None) -> str:
    return funding_year_label(funding_year_start(learner.start_date or today or timezone.localdate()))


def grade_of(learner: Learner, subject: str) -> str:
    return learner.gcse_english_grade if subject == "english" else learner.gcse_maths_grade


def grade_fact(learner: Learner, subject: str) -> str:
    """ "GCSE maths: Grade 5 (ILR file prepared 3 Oct 2025)"."""
    where = learner.get_attainment_source_display() if learner.attainment_source else "not recorded"
    if learner.attainment_as_of:
        where += f" {'prepared' if learner.attainment_source == 'ilr' else 'of'} {learner.attainment_as_of:%-d %b %Y}"
    word = "English" if subject == "english" else "maths"
    return f"GCSE {word}: {grade_words(grade_of(learner, subject))} ({where})"


@dataclass(frozen=True)
class AimFact:
    ref: str
    title: str
    subject: str  # "english", "maths" or "" for an aim no mapping row names
    level: str
    fund_model: int
    comp_status: int
    english_hours: int | None
    maths_hours: int | None
    seq: int = 0  # AimSeqNumber
    start_date: dt.date | None = None


def aims_for(learner_ids: Iterable[int]) -> dict[int, list[AimFact]]:
    """Each record's aims, with the English and maths mapping's subject and level (two queries)."""
    aims = list(LearningAim.objects.filter(learner_id__in=list(learner_ids)).order_by("learner_id", "aim_seq_number"))
    mapped = {
        m.learn_aim_ref: m for m in EnglishMathsAim.objects.filter(learn_aim_ref__in={a.learn_aim_ref for a in aims})
    }
    found: dict[int, list[AimFact]] = {}
    for aim in aims:
        row = mapped.get(aim.learn_aim_ref)
        found.setdefault(aim.learner_id, []).append(
            AimFact(
                aim.learn_aim_ref,
                row.title if row else "",
                row.subject if row else "",
                row.level if row else "",
                aim.fund_model,
                aim.comp_status,
                aim.planned_english_hours,
                aim.planned_maths_hours,
                aim.aim_seq_number,
                aim.start_date,
            )
        )
    return found


def on_study_programme(learner: Learner, aims: list[AimFact]) -> bool:
    """A 16-19 study programme: young people or high needs provision, with a 16-19 funded aim."""
    return learner.provision_type in YOUNG_PROVISION and any(aim.fund_model == FUND_MODEL_16_19 for aim in aims)


def adult_apprentice(learner: Learner) -> bool:
    """An apprentice aged 19 or over as the adult rules count it: English and maths are opt in / opt out."""
    return learner.provision_type == ProvisionType.APPRENTICESHIPS and age_of(learner).adult


def em_learning_planned(subject: str, aims: list[AimFact]) -> bool:
    """Some aim plans English (or maths) learning: an aim of that subject not withdrawn, or planned hours."""
    return any(
        (aim.subject == subject and aim.comp_status != WITHDRAWN)
        or ((aim.english_hours if subject == "english" else aim.maths_hours) or 0) > 0
        for aim in aims
    )


def aims_at_or_below_held(learner: Learner, subject: str, aims: list[AimFact]) -> list[AimFact]:
    held = grade_level(grade_of(learner, subject))
    if held is None:
        return []
    levels = AIM_LEVELS_AT_OR_BELOW[held]
    return [a for a in aims if a.subject == subject and a.level in levels and a.comp_status != WITHDRAWN]


# -- the same facts as queryset conditions ----------------------------------------------------------


class _AdultBornBy(Func):
    """The latest birth date of an adult: 31 August of (the start's funding year - 19), in PostgreSQL."""

    template = (
        "make_date((EXTRACT(YEAR FROM (%(expressions)s - INTERVAL '7 months')))::int - " + str(ADULT_AGE) + ", 8, 31)"
    )
    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # The embedded default: the same date with SQLite's date functions (%% doubled twice: once for this
        # template, once for the backend's placeholders).
        template = (
            "date(printf('%%%%04d-08-31', CAST(strftime('%%%%Y', date(%(expressions)s, '-7 months')) AS INTEGER) - "
            + str(ADULT_AGE)
            + "))"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def adult_q(*, today: dt.date | None = None) -> Q:
    """Aged 19 or over as the adult funding rules count it (see age_of)."""
    start = Coalesce(F("start_date"), Value(today or timezone.localdate()), output_field=DateField())
    return Q(date_of_birth__lte=_AdultBornBy(start))


def grade_field(subject: str) -> str:
    return "gcse_english_grade" if subject == "english" else "gcse_maths_grade"


def without_level_2_grade(subject: str) -> Q:
    return ~Q(**{f"{grade_field(subject)}__in": LEVEL_2_GRADES})


def with_level_2_grade(subject: str) -> Q:
    return Q(**{f"{grade_field(subject)}__in": LEVEL_2_GRADES})


def on_study_programme_q() -> Q:
    funded = LearningAim.objects.filter(learner_id=OuterRef("pk"), fund_model=FUND_MODEL_16_19)
    return Q(provision_type__in=YOUNG_PROVISION) & Q(Exists(funded))


def aim_at_or_below_held_q(subject: str) -> Q:
    condition = Q()
    for held, grades in ((2, LEVEL_2_GRADES), (1, LEVEL_1_GRADES)):
        refs = EnglishMathsAim.objects.filter(subject=subject, level__in=AIM_LEVELS_AT_OR_BELOW[held]).values(
            "learn_aim_ref"
        )
        aims = LearningAim.objects.filter(learner_id=OuterRef("pk"), learn_aim_ref__in=refs).exclude(
            comp_status=WITHDRAWN
        )
        condition |= Q(**{f"{grade_field(subject)}__in": grades}) & Q(Exists(aims))
    return condition


def adult_apprentice_q() -> Q:
    return Q(provision_type=ProvisionType.APPRENTICESHIPS) & adult_q()


def em_learning_planned_q(subject: str) -> Q:
    refs = EnglishMathsAim.objects.filter(subject=subject).values("learn_aim_ref")
    aims = LearningAim.objects.filter(learner_id=OuterRef("pk"), learn_aim_ref__in=refs).exclude(comp_status=WITHDRAWN)
    field = "planned_english_hours" if subject == "english" else "planned_maths_hours"
    hours = LearningAim.objects.filter(learner_id=OuterRef("pk"), **{f"{field}__gt": 0})
    return Q(Exists(aims)) | Q(Exists(hours))
