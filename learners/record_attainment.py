"""What a learner's page shows of prior attainment and learning aims, for staff with the right to see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from learners.aim_codes import AIM_TYPES, COMP_STATUSES, FUND_MODELS, OUTCOMES, PROG_TYPES, code_words
from learners.attainment import PriorLevel, grade_words
from learners.models import EnglishMathsAim, Learner, LearningAim


@dataclass(frozen=True)
class AimShown:
    seq: int
    ref: str
    title: str
    subject_level: str  # "English Level 1" for an English or maths aim, else ""
    aim_type: str
    fund_model: str
    programme: str
    start: dt.date
    planned_end: dt.date
    actual_end: dt.date | None
    status: str
    outcome: str
    planned_hours: str


@dataclass(frozen=True)
class AttainmentShown:
    uln: str
    english_grade: str
    maths_grade: str
    prior_level: str
    fams: list[str]
    source: str
    aims: list[AimShown]


def learner_attainment(*, learner: Learner) -> AttainmentShown:
    """The record's prior attainment and aims in words (two queries)."""
    aims = list(LearningAim.objects.filter(learner=learner).order_by("aim_seq_number"))
    mapped = {
        m.learn_aim_ref: m for m in EnglishMathsAim.objects.filter(learn_aim_ref__in=[a.learn_aim_ref for a in aims])
    }
    return AttainmentShown(
        uln="Not known (9999999999)" if learner.uln == "9999999999" else learner.uln or "—",
        english_grade=grade_words(learner.gcse_english_grade),
        maths_grade=grade_words(learner.gcse_maths_grade),
        prior_level=PriorLevel(learner.prior_level).label if learner.prior_level else "Not known",
        fams=_fams(learner),
        source=_source(learner),
        aims=[_aim(aim, mapped.get(aim.learn_aim_ref)) for aim in aims],
    )


def _fams(learner: Learner) -> list[str]:
    fams = []
    if learner.edf_english:
        fams.append("EDF 2: GCSE English not achieved by the end of year 11")
    if learner.edf_maths:
        fams.append("EDF 1: GCSE maths not achieved by the end of year 11")
    if learner.ecf_code:
        fams.append(f"ECF {learner.ecf_code}: English condition of funding")
    if learner.mcf_code:
        fams.append(f"MCF {learner.mcf_code}: maths condition of funding")
    if learner.high_needs:
        fams.append("HNS: high needs student")
    if learner.ehc_plan:
        fams.append("EHC: education, health and care plan")
    return fams


def _source(learner: Learner) -> str:
    if not learner.attainment_source:
        return "Not recorded"
    when = f" prepared {learner.attainment_as_of:%-d %b %Y}" if learner.attainment_as_of else ""
    return f"{learner.get_attainment_source_display()}{when}"


def _aim(aim: LearningAim, mapped: EnglishMathsAim | None) -> AimShown:
    programme = code_words(PROG_TYPES, aim.prog_type) if aim.prog_type else "—"
    if aim.std_code:
        programme += f", standard {aim.std_code}"
    hours = [
        f"English {aim.planned_english_hours} h" if aim.planned_english_hours is not None else "",
        f"maths {aim.planned_maths_hours} h" if aim.planned_maths_hours is not None else "",
    ]
    return AimShown(
        seq=aim.aim_seq_number,
        ref=aim.learn_aim_ref,
        title=mapped.title if mapped else "",
        subject_level=f"{mapped.get_subject_display()} {mapped.get_level_display()}" if mapped else "",
        aim_type=code_words(AIM_TYPES, aim.aim_type),
        fund_model=code_words(FUND_MODELS, aim.fund_model),
        programme=programme,
        start=aim.start_date,
        planned_end=aim.planned_end_date,
        actual_end=aim.actual_end_date,
        status=code_words(COMP_STATUSES, aim.comp_status),
        outcome=code_words(OUTCOMES, aim.outcome),
        planned_hours=", ".join(h for h in hours if h) or "—",
    )
