"""The funding flags read what the rules read: age as the adult rules count it, GCSE grades, the programme, the aims.

Each case holds the record's own flags and the list's filter to the same answer (raised, from the flag tests).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from bksb_integration.levels.funding import Thresholds, decisions_of
from bksb_integration.levels.queries import levels_for
from learners.models import Learner, LearningAim
from tests.factories import LearnerFactory

from .levels_support import item, store
from .test_funding_flags import DEFAULT, raised

pytestmark = pytest.mark.django_db

ASSESSED = dt.datetime(2025, 8, 20, 9, 0, tzinfo=dt.UTC)
START = dt.date(2025, 9, 1)


def _aim(learner: Learner, seq: int, ref: str, fund_model: int, **values: object) -> None:
    LearningAim.objects.create(
        learner=learner, aim_seq_number=seq, learn_aim_ref=ref, aim_type=values.pop("aim_type", 4),
        fund_model=fund_model, start_date=START, planned_end_date=dt.date(2026, 6, 30),
        comp_status=values.pop("comp_status", 1), **values,
    )  # fmt: skip


def _withheld(learner: Learner) -> list[str]:
    learner = Learner.objects.get(pk=learner.pk)
    return decisions_of(learner, levels_for([learner.pk]).get(learner.pk, {}), DEFAULT).withheld


def _flag(learner: Learner, code: str):
    learner = Learner.objects.get(pk=learner.pk)
    found = decisions_of(learner, levels_for([learner.pk]).get(learner.pk, {}), DEFAULT).raised
    return next(flag for flag in found if flag.flag.code == code)


def test_a_17_year_old_at_entry_2_maths_gets_the_16_19_condition_of_funding_not_the_adult_entitlement():
    learner = LearnerFactory(
        date_of_birth=dt.date(2008, 3, 14), start_date=START, gcse_maths_grade="3", gcse_english_grade="5",
        provision_type="young_people", attainment_source="ilr", attainment_as_of=dt.date(2025, 10, 3),
    )  # fmt: skip
    _aim(learner, 1, "ZPROG001", 25, aim_type=5, planned_maths_hours=100)
    store(learner, item(1, "Maths Entry 2", when=ASSESSED))

    flags = raised(learner)

    assert "maths_entitlement" not in flags
    assert "maths_condition_of_funding" in flags
    assert "maths_cof_hours" not in flags  # 100 planned hours
    assert "english_condition_of_funding" not in flags  # grade 5 held
    assert _withheld(learner) == [
        "Maths assessed below Level 2: no adult entitlement, which is for learners aged 19 and over "
        "(aged 17 on 31 Aug 2025, the 2025/26 funding year of the start date)."
    ]
    assert [str(fact) for fact in _flag(learner, "maths_condition_of_funding").facts] == [
        "Grade: GCSE maths: Grade 3 (ILR file prepared 3 Oct 2025)",
        "Programme: 16 to 19 study programme (funding model 25)",
        "Must study: GCSE maths",
        "Age: aged 17 on 31 Aug 2025, the 2025/26 funding year of the start date",
        "Rules year: 2025/26",
    ]


def test_a_16_19_learner_with_grade_2_may_take_a_stepping_stone_and_too_few_planned_hours_are_flagged():
    learner = LearnerFactory(
        date_of_birth=dt.date(2008, 3, 14), start_date=START, gcse_maths_grade="2", provision_type="young_people"
    )
    _aim(learner, 1, "ZPROG001", 25, aim_type=5, planned_maths_hours=40)

    flags = raised(learner)

    assert {"maths_condition_of_funding", "maths_cof_hours"} <= flags
    facts = [str(f) for f in _flag(learner, "maths_condition_of_funding").facts]
    assert "Must study: GCSE maths or a level 1 / entry level qualification" in facts
    hours = [str(f) for f in _flag(learner, "maths_cof_hours").facts]
    assert "Planned hours: 40 h, below the smallest band's minimum of 43 h" in hours


def test_an_adult_holding_gcse_grade_5_maths_at_entry_2_gets_no_entitlement_flag():
    learner = LearnerFactory(
        date_of_birth=dt.date(1990, 6, 1), start_date=START, gcse_maths_grade="5", provision_type="adults",
        attainment_source="ilr", attainment_as_of=dt.date(2025, 10, 3),
    )  # fmt: skip
    store(learner, item(1, "Maths Entry 2", when=ASSESSED))

    assert "maths_entitlement" not in raised(learner)
    assert _withheld(learner) == [
        "GCSE grade 5 held: not eligible (GCSE maths: Grade 5 (ILR file prepared 3 Oct 2025))."
    ]


def test_an_adult_with_grade_3_at_entry_2_gets_the_flag_naming_the_grade_and_the_assessment():
    learner = LearnerFactory(
        date_of_birth=dt.date(1990, 6, 1), start_date=START, gcse_maths_grade="3", provision_type="adults",
        attainment_source="csv", attainment_as_of=dt.date(2025, 9, 2),
    )  # fmt: skip
    store(learner, item(7, "Maths Entry 2", when=ASSESSED, assessment_id=70))

    assert "maths_entitlement" in raised(learner)
    assert [str(fact) for fact in _flag(learner, "maths_entitlement").facts] == [
        "Assessment: initial assessment Entry 2 on 20 Aug 2025 (SessionId 7, AssessmentID 70)",
        "Grade: GCSE maths: Grade 3 (CSV import of 2 Sep 2025)",
        "Age: aged 35 on 31 Aug 2025, the 2025/26 funding year of the start date",
        "Rules year: 2025/26",
    ]


def test_age_is_counted_on_31_august_of_the_start_funding_year():
    turns_19_on_31_aug = LearnerFactory(date_of_birth=dt.date(2006, 8, 31), start_date=START)
    turns_19_on_1_sep = LearnerFactory(date_of_birth=dt.date(2006, 9, 1), start_date=START)
    for learner in (turns_19_on_31_aug, turns_19_on_1_sep):
        store(learner, item(learner.pk, "Maths Entry 2", when=ASSESSED))

    assert "maths_entitlement" in raised(turns_19_on_31_aug)
    assert "maths_entitlement" not in raised(turns_19_on_1_sep)


def test_an_apprentice_with_gcse_grade_4_english_on_a_level_1_english_aim_gets_the_prior_attainment_flag():
    learner = LearnerFactory(
        date_of_birth=dt.date(2004, 2, 2), start_date=START, gcse_english_grade="4", provision_type="apprenticeships"
    )
    _aim(learner, 1, "ZPROG001", 36, aim_type=1, prog_type=25, std_code=123)
    _aim(learner, 2, "60350581", 36, aim_type=3, prog_type=25, std_code=123)
    store(learner, item(1, "English Entry 3", subject="english", when=ASSESSED))

    flags = raised(learner)

    assert "english_prior_attainment" in flags
    assert "english_entitlement" not in flags
    facts = [str(f) for f in _flag(learner, "english_prior_attainment").facts]
    assert facts[:3] == [
        "Grade: GCSE English: Grade 4 (not recorded)",
        "Level held: level 2",
        "Aim: 60350581 NCFE Level 1 Functional Skills Qualification in English (Level 1)",
    ]


def test_a_withdrawn_aim_or_one_above_the_level_held_is_not_flagged():
    learner = LearnerFactory(gcse_english_grade="3", provision_type="adults")
    _aim(learner, 1, "60350581", 35, comp_status=3)  # level 1, withdrawn
    _aim(learner, 2, "6035060X", 35)  # maths level 2: another subject
    assert "english_prior_attainment" not in raised(learner)


def test_the_json_export_carries_each_flag_with_its_facts_rule_and_source():
    learner = LearnerFactory(
        learner_ref="AD03", date_of_birth=dt.date(1990, 6, 1), start_date=START, gcse_maths_grade="3"
    )
    store(learner, item(7, "Maths Entry 2", when=ASSESSED, assessment_id=70))
    out = io.StringIO()
    call_command("bksb_export_levels", "--json", stdout=out)

    (record,) = json.loads(out.getvalue())
    flag = next(f for f in record["flags"] if f["code"] == "maths_entitlement")
    assert {"name": "Grade", "value": "GCSE maths: Grade 3 (not recorded)"} in flag["facts"]
    assert {"name": "Rules year", "value": "2025/26"} in flag["facts"]
    assert flag["source"] == "Adult skills fund: funding rules (gov.uk, published each year)"
    assert flag["rule"].startswith("Fully funded English and maths up to and including level 2")


def test_thresholds_still_move_the_adult_flag():
    learner = LearnerFactory(date_of_birth=dt.date(1990, 6, 1), start_date=START, gcse_maths_grade="3")
    store(learner, item(1, "Maths Level 2", when=ASSESSED))
    assert "maths_entitlement" not in raised(learner)
    assert "maths_entitlement" in raised(learner, Thresholds("level_3", "level_1", "level_3"))
