"""The level questions the list and the reports ask of the summary: each filter, each sort."""

from __future__ import annotations

import pytest

from bksb_integration.levels.list_choices import (
    Movement,
    learners_at_level,
    learners_initially_assessed,
    learners_moved,
    level_choice,
    level_choices,
)
from bksb_integration.levels.queries import learners_without_initial
from learners.models import Learner
from tests.bksb_integration.levels.cohort_support import cohort_build

pytestmark = pytest.mark.django_db


def _names(qs) -> set[str]:
    return set(qs.values_list("last_name", flat=True))


def _at(subject: str, value: str) -> set[str]:
    choice = level_choice(value)
    assert choice is not None, value
    return _names(learners_at_level(Learner.objects.all(), subject=subject, choice=choice))


def test_level_choices_read_as_staff_would_say_them():
    labels = {choice.value: choice.label for choice in level_choices()}
    assert labels["below_level_1"] == "Below Level 1"
    assert labels["entry_3_or_below"] == "Entry 3 or below"
    assert labels["level_1_or_above"] == "Level 1 or above"
    assert labels["entry_3"] == "Entry 3"
    assert labels["none"] == "No results yet"
    assert level_choice("level_9") is None
    assert level_choice("below_pre_entry") is None


def test_maths_below_level_1_takes_the_latest_level_diagnostic_included():
    cohort_build()
    # Falling's latest is the Entry 2 diagnostic; Rising's Level 1 diagnostic lifts them out.
    assert _at("maths", "below_level_1") == {"Falling", "Diagnostic", "January"}
    assert _at("maths", "entry_3_or_below") == _at("maths", "below_level_1")
    assert _at("maths", "level_1") == {"Rising", "Steady"}
    assert _at("maths", "level_1_or_above") == {"Rising", "Steady"}
    assert _at("maths", "entry_1_or_below") == {"Diagnostic", "January"}


def test_no_results_and_results_not_mapped_in_a_subject():
    cohort_build()
    assert _at("english", "none") == {"Steady", "Unassessed", "Diagnostic", "January"}
    assert _at("english", "unmapped") == {"Falling"}
    assert _at("english", "below_level_3") == {"Rising"}


def test_no_initial_assessment_yet_in_any_subject_or_in_one():
    cohort_build()
    everyone = Learner.objects.all()
    assert _names(learners_without_initial(everyone)) == {"Unassessed", "Diagnostic"}
    assert _names(learners_initially_assessed(everyone, subject="english")) == {"Rising", "Falling"}
    assert "Steady" in _names(learners_without_initial(everyone, "english"))


def test_movement_from_initial_to_diagnostic():
    cohort_build()
    everyone = Learner.objects.all()
    assert _names(learners_moved(everyone, subject="maths", movement=Movement.UP)) == {"Rising"}
    assert _names(learners_moved(everyone, subject="maths", movement=Movement.DOWN)) == {"Falling"}
    assert _names(learners_moved(everyone, subject="maths", movement=Movement.NO_DIAGNOSTIC)) == {"Steady", "January"}
    assert not learners_moved(everyone, subject="maths", movement=Movement.SAME).exists()


def test_a_level_choice_includes_the_narrower_ones():
    below_level_1 = level_choice("below_level_1")
    assert below_level_1.includes(level_choice("entry_2"))
    assert below_level_1.includes(level_choice("entry_3_or_below"))
    assert not below_level_1.includes(level_choice("level_1"))
    assert not below_level_1.includes(level_choice("none"))
    assert level_choice("level_1_or_above").includes(level_choice("level_3"))
    assert not level_choice("entry_3").includes(level_choice("below_level_1"))
    assert level_choice("none").includes(level_choice("none"))


def test_a_pages_latest_readings_are_one_query(django_assert_num_queries):
    from bksb_integration.levels.list_choices import latest_readings

    cohort = cohort_build()
    ids = list(Learner.objects.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        readings = latest_readings(learner_ids=ids, subject="maths")
    assert (readings[cohort.falling.pk].level, readings[cohort.falling.pk].list_name) == ("entry_2", "diagnostic")
    assert cohort.unassessed.pk not in readings
