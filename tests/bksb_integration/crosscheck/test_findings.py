"""Each cross-check rule at its edges: what raises it and what does not."""

from __future__ import annotations

import datetime as dt

import pytest

from bksb_integration.crosscheck.findings import apprentice_without_decision
from bksb_integration.crosscheck.report import findings_for
from bksb_integration.crosscheck.rules import EDF_GRADES
from bksb_integration.decisions.record import decision_record
from bksb_integration.levels.funding import Thresholds
from learners.models import Learner
from tests.factories import LearnerFactory

from .crosscheck_support import AFTER, AGED_17, AGED_30, AIMS, BEFORE, PROGRAMME, START, aim, aims_mapped, result

pytestmark = pytest.mark.django_db


def _codes(learner: Learner) -> list[str]:
    learner = Learner.objects.get(pk=learner.pk)
    return [f.code for f in findings_for([learner], thresholds=Thresholds.load())]


def _adult(**fields: object) -> Learner:
    values = {"date_of_birth": AGED_30, "provision_type": "adults", "gcse_english_grade": "NONE", **fields}
    return LearnerFactory(**{"gcse_maths_grade": "NONE", **values})


@pytest.mark.parametrize("grade", sorted(EDF_GRADES))
def test_every_grade_below_4_and_u_and_n_needs_the_edf(grade):
    assert "maths_grade_without_edf" in _codes(_adult(gcse_maths_grade=grade))
    assert "maths_grade_without_edf" not in _codes(_adult(gcse_maths_grade=grade, edf_maths=True))


@pytest.mark.parametrize("grade", ["4", "C", "NONE", ""])
def test_grade_4_none_or_not_known_needs_no_edf(grade):
    assert "english_grade_without_edf" not in _codes(_adult(gcse_english_grade=grade))


@pytest.mark.parametrize(("provision", "grade", "found"), [
    ("young_people", "", True), ("high_needs", "", True), ("young_people", "NONE", False), ("adults", "", False),
])  # fmt: skip
def test_a_16_19_learner_needs_a_grade_none_counts_as_one(provision, grade, found):
    learner = LearnerFactory(provision_type=provision, date_of_birth=AGED_17, gcse_english_grade=grade,
                             gcse_maths_grade="5")  # fmt: skip
    assert ("english_grade_missing" in _codes(learner)) is found


@pytest.mark.parametrize(("grade", "level", "comp_status", "found"), [
    ("4", "level_2", 1, True), ("4", "level_1", 1, True), ("3", "level_1", 1, True), ("3", "level_2", 1, False),
    ("4", "level_2", 3, False),
])  # fmt: skip
def test_an_aim_at_or_below_the_level_a_grade_stands_for_is_found_unless_withdrawn(grade, level, comp_status, found):
    aims_mapped()
    learner = _adult(gcse_english_grade=grade, edf_english=grade == "3")
    aim(learner, 1, AIMS["english", level], 35, comp_status=comp_status)
    result(learner, "English Entry 3", "english", BEFORE)
    assert ("english_aim_level_held" in _codes(learner)) is found


@pytest.mark.parametrize(("text", "when", "found"), [
    ("Maths Level 1", AFTER, True), ("Maths Level 1", BEFORE, False), ("Maths Entry 3", AFTER, False),
])  # fmt: skip
def test_an_aim_below_a_later_bksb_level_is_found(text, when, found):
    aims_mapped()
    learner = _adult()
    aim(learner, 1, AIMS["maths", "entry_3"], 35)
    result(learner, text, "maths", when)
    assert ("maths_aim_below_assessed" in _codes(learner)) is found


@pytest.mark.parametrize(("hours", "grade", "found"), [(51, "3", True), (52, "3", False), (None, "2", True),
                                                       (10, "4", False)])  # fmt: skip
def test_planned_english_hours_below_the_smallest_bands_minimum(hours, grade, found):
    learner = LearnerFactory(provision_type="young_people", date_of_birth=AGED_17, gcse_english_grade=grade,
                             edf_english=True, gcse_maths_grade="5")  # fmt: skip
    aim(learner, 1, PROGRAMME, 25, aim_type=5, planned_english_hours=hours)
    assert ("english_hours_below_minimum" in _codes(learner)) is found


def test_an_apprentices_initial_assessment_on_the_start_date_counts_and_an_adult_learner_is_not_checked():
    on_the_day = dt.datetime.combine(START, dt.time(10, 0), tzinfo=dt.UTC)
    apprentice = LearnerFactory(provision_type="apprenticeships", date_of_birth=AGED_17)
    result(apprentice, "English Entry 3", "english", on_the_day)
    adult = _adult()

    assert "english_no_initial_assessment" not in _codes(apprentice)
    assert "maths_no_initial_assessment" in _codes(apprentice)
    assert not {"english_no_initial_assessment", "maths_no_initial_assessment"} & set(_codes(adult))


def test_a_diagnostic_counts_as_a_bksb_result_for_an_aim():
    aims_mapped()
    learner = _adult()
    aim(learner, 1, AIMS["maths", "level_1"], 35)
    aim(learner, 2, AIMS["english", "level_1"], 35)
    result(learner, "Maths Level 1", "maths", BEFORE, kind="diagnostic")

    assert [c for c in _codes(learner) if c.endswith("_aim_no_bksb_result")] == ["english_aim_no_bksb_result"]


def test_every_19_plus_apprentice_is_found_without_a_decision_until_one_is_recorded():
    apprentices = [LearnerFactory(provision_type="apprenticeships", date_of_birth=dt.date(1980 + n, 1, 1))
                   for n in range(26)]  # fmt: skip
    eighteen = LearnerFactory(provision_type="apprenticeships", date_of_birth=dt.date(2006, 9, 1))
    nineteen_on_31_august = LearnerFactory(provision_type="apprenticeships", date_of_birth=dt.date(2006, 8, 31))
    adult_learner = _adult()

    everyone = [*apprentices, eighteen, nineteen_on_31_august, adult_learner]
    findings = findings_for(everyone, thresholds=Thresholds.load())
    found = {f.learner_id for f in findings if f.code == "apprentice_no_decision"}

    assert found == {a.pk for a in apprentices} | {nineteen_on_31_august.pk}
    both = {subject: decision_record(
        learner=apprentices[0], subject=subject, kind="opted_out", decided_on=dt.date(2025, 9, 1),
        discussed_by="Jo Tutor", recorded_by=None,
    ) for subject in ("english", "maths")}  # fmt: skip
    assert apprentice_without_decision(apprentices[0], both) == []
    assert len(apprentice_without_decision(apprentices[0], {"english": both["english"]})) == 1
    assert apprentice_without_decision(eighteen, {}) == []
