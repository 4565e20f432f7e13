"""Cohort reports count a cohort's levels from the summary table: numbers checked against known results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bksb_integration.levels.cohort import cohort_report
from bksb_integration.levels.funding import FLAGS, learners_flagged
from bksb_integration.levels.views.report_charts import csv_rows
from bksb_integration.models import BksbSettings
from learners.models import Learner
from tests.bksb_integration.levels.cohort_support import cohort_build

pytestmark = pytest.mark.django_db


def _september() -> object:
    return Learner.objects.filter(start_date__gte=dt.date(2026, 9, 1))


def _tallies(section, subject: str) -> dict[str, int]:
    found = next(tallies for tallies in section if tallies.subject == subject)
    return {tally.key: tally.learners for tally in found.tallies}


def test_latest_levels_per_subject_count_every_record_of_the_cohort():
    cohort_build()
    report = cohort_report(learners=_september())

    assert report.size == 5
    maths = _tallies(report.levels, "maths")
    assert {key: n for key, n in maths.items() if n} == {"level_1": 2, "entry_2": 1, "entry_1": 1, "none": 1}
    english = _tallies(report.levels, "english")
    assert {key: n for key, n in english.items() if n} == {"entry_3": 1, "unmapped": 1, "none": 3}
    ict = _tallies(report.levels, "ict")
    assert {key: n for key, n in ict.items() if n} == {"level_2": 1, "none": 4}
    assert all(sum(_tallies(report.levels, s).values()) == 5 for s in ("english", "maths", "ict"))


def test_assessed_counts_initial_assessments_only():
    cohort_build()
    report = cohort_report(learners=_september())
    # The diagnostic-only learner has no initial assessment in maths.
    assert _tallies(report.assessed, "maths") == {"done": 3, "none": 2}
    assert _tallies(report.assessed, "english") == {"done": 2, "none": 3}


def test_movement_compares_latest_initial_with_latest_diagnostic():
    cohort_build()
    report = cohort_report(learners=_september())
    assert _tallies(report.movement, "maths") == {"up": 1, "same": 0, "down": 1, "no_diagnostic": 1}
    grid = next(grid for grid in report.grids if grid.subject == "maths")
    assert grid.cells == {("entry_2", "level_1"): 1, ("entry_3", "entry_2"): 1}


def test_the_cohort_narrows_the_counts():
    cohort = cohort_build()
    report = cohort_report(learners=Learner.objects.filter(pk__in=[cohort.january.pk, cohort.unassessed.pk]))
    assert report.size == 2
    assert {k: n for k, n in _tallies(report.levels, "maths").items() if n} == {"pre_entry": 1, "none": 1}


def test_an_empty_cohort_reports_zeros():
    cohort_build()
    report = cohort_report(learners=Learner.objects.none())
    assert report.size == 0
    assert all(tally.learners == 0 for tallies in report.levels for tally in tallies.tallies)
    assert ["Cohort", "", "Learners in the cohort", "0", ""] in list(csv_rows(report))


def test_the_report_takes_four_queries_whatever_the_cohort():
    cohort_build()
    BksbSettings.load()
    with CaptureQueriesContext(connection) as queries:
        cohort_report(learners=_september())
    # The cohort's size, the funding flags' thresholds, its summary rows grouped (with the flags that read the
    # assessment counted in them), and one count of the flags that read aims or decisions.
    assert len(queries.captured_queries) == 4


@pytest.mark.parametrize("cohort", ["everyone", "september", "in_learning"])
def test_funding_flag_counts_agree_with_the_lists_flag_filter(cohort):
    cohort_build()
    learners = {
        "everyone": Learner.objects.all(),
        "september": _september(),
        "in_learning": Learner.objects.filter(learning_status="in_learning"),
    }[cohort]
    report = cohort_report(learners=learners)
    assert {tally.key for tally in report.flags} == {flag.code for flag in FLAGS}
    for tally in report.flags:
        assert tally.learners == learners_flagged(learners, tally.key).count(), tally.key


def test_funding_flags_counted_for_the_september_cohort():
    cohort_build()
    flags = {tally.key: tally.learners for tally in cohort_report(learners=_september()).flags}
    assert flags["maths_entitlement"] == 3  # Rising E2, Steady L1, Falling E3 at initial assessment
    assert flags["maths_prior_knowledge"] == 1  # Steady
    assert flags["maths_no_initial"] == 2  # Unassessed, Diagnostic (no initial assessment at all)
    assert flags["english_no_initial"] == 3  # Steady, Unassessed, Diagnostic
    assert flags["digital_below"] == 0


def test_csv_rows_carry_the_numbers_and_percentages():
    cohort_build()
    rows = list(csv_rows(cohort_report(learners=_september())))
    assert rows[0] == ["section", "subject", "category", "learners", "percent"]
    assert ["Cohort", "", "Learners in the cohort", "5", ""] in rows
    assert ["Latest levels", "Maths", "Level 1", "2", "40.0"] in rows
    assert ["Assessed and not yet assessed", "English", "Not yet assessed", "3", "60.0"] in rows
    # Movement percentages are of the learners with an initial level in the subject (3 in maths).
    assert ["From initial assessment to latest diagnostic", "Maths", "Moved up", "1", "33.3"] in rows
    assert ["Initial to diagnostic, by level", "Maths", "Entry 2 to Level 1", "1", ""] in rows
