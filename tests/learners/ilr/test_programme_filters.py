"""Cohorts by programme: the list's provision, funding model, aim and English or maths filters, its CSV's
attainment columns, and Reports by provision type, all for staff with View prior attainment only."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from learners.ilr.sample import SampleAim, SampleLearner
from learners.models import AimReference, LearningAim
from tests.learners.ilr import files
from tests.support import run

pytestmark = pytest.mark.django_db
LIST = reverse("learners:list")


@pytest.fixture
def cohort(tmp_path: Path) -> None:
    run(files.ilr_path(tmp_path, files.cohort()))


def _listed(client, **params: str) -> set[str]:
    text = client.get(LIST, params).text
    return {ref for ref in ("SP1701", "AD0501", "AD0302", "AP0401", "HN0001", "CH0001") if ref in text}


def test_the_list_filters_by_provision_type_funding_model_aim_and_english_or_maths_aim(client, manager, cohort):
    client.force_login(manager)

    assert _listed(client, provision="adults") == {"AD0501", "AD0302", "CH0001"}
    assert _listed(client, provision="apprenticeships") == {"AP0401"}
    assert _listed(client, provision="young_people") == {"SP1701"}
    assert _listed(client, provision="high_needs") == {"HN0001"}
    assert _listed(client, fund_model="25") == {"SP1701", "HN0001"}
    assert _listed(client, aim="60350581") == {"AP0401"}
    assert _listed(client, em_aim="maths") == {"AP0401", "CH0001"}
    assert _listed(client, em_aim="any") == {"AD0501", "AD0302", "AP0401", "CH0001"}
    page = client.get(LIST).text
    assert '<option value="60350581">60350581 NCFE Level 1 Functional Skills Qualification in English</option>' in page
    assert '<label for="id_provision">Provision type</label>' in page


def test_staff_without_the_right_get_no_programme_filters_and_the_filter_is_ignored(client, tutor, cohort):
    client.force_login(tutor)
    page = client.get(LIST).text

    assert "Provision type" not in page
    assert "Has an English or maths aim" not in page
    assert len(_listed(client, provision="adults")) == 6


def test_the_csv_carries_uln_grades_and_provision_type_for_staff_with_the_right(client, manager, tutor, cohort):
    client.force_login(manager)
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("learners:export")).getvalue().decode())))
    sam = next(row for row in rows if row["Reference"] == "AP0401")
    assert (sam["ULN"], sam["GCSE English grade"], sam["GCSE maths grade"]) == (files.uln(4), "Grade 4", "Grade 2")
    assert (sam["Prior attainment level"], sam["Provision type"]) == ("Full level 2", "Apprenticeships")

    client.force_login(tutor)
    header = client.get(reverse("learners:export")).getvalue().decode().splitlines()[0]
    for hidden in ("ULN", "GCSE", "Prior attainment", "Provision type"):
        assert hidden not in header


def test_reports_count_the_cohort_by_provision_type_and_cut_to_one(client, manager, cohort):
    client.force_login(manager)
    page = client.get(reverse("bksb:reports")).text

    assert "By provision type" in page
    assert "Reports for Adults" in page
    cut = client.get(reverse("bksb:reports"), {"provision": "adults"}).text
    assert "<strong>3</strong> records in this cohort." in cut


def test_the_aim_filter_offers_english_and_maths_aims_past_the_listed_ones_and_takes_any_aim_on_file(
    client, manager, cohort, monkeypatch
):
    # Thousands of aim references sort before the Functional Skills ones at a large college: here, one.
    monkeypatch.setattr("learners.programme_filters.MAX_AIMS_LISTED", 1)
    client.force_login(manager)
    page = client.get(LIST).text

    assert '<option value="50079116">50079116</option>' in page
    assert '<option value="6035060X">6035060X NCFE Level 2 Functional Skills Qualification in Mathematics' in page
    assert '<option value="ZPROG001">' not in page
    assert _listed(client, aim="6035060X") == {"AP0401", "CH0001"}
    assert '<option value="6035060X" selected>' in client.get(LIST, {"aim": "6035060X"}).text
    assert _listed(client, aim="ZPROG001") == {"SP1701", "AP0401", "HN0001"}
    assert len(_listed(client, aim="99999999")) == 6


def test_the_aim_options_follow_the_aims_on_file_as_imports_change_them(client, manager, tmp_path):
    """The Aim filter reads the references on file from their own small table: each import keeps it equal to
    the aims, adding the new references and dropping those nobody holds any more."""

    def one_learner(ref: str) -> list[SampleLearner]:
        aim = SampleAim(1, ref, 35, files.YEAR_START, files.YEAR_END)
        return [SampleLearner("ZZ0001", files.uln(9), "Sam", "Lee", birth="1980-02-02", aims=[aim])]

    def on_file() -> tuple[set[str], set[str]]:
        kept = set(AimReference.objects.values_list("learn_aim_ref", flat=True))
        return kept, set(LearningAim.objects.values_list("learn_aim_ref", flat=True))

    run(files.ilr_path(tmp_path, one_learner("ZZTEST01")))
    assert on_file() == ({"ZZTEST01"}, {"ZZTEST01"})
    client.force_login(manager)
    assert 'value="ZZTEST01"' in client.get(LIST).text

    run(files.ilr_path(tmp_path, one_learner("60350593"), name="ILR-10000001-2526-later.xml"))

    assert on_file() == ({"60350593"}, {"60350593"})  # the one holder of ZZTEST01 no longer holds it
    page = client.get(LIST).text
    assert 'value="ZZTEST01"' not in page
    assert 'value="60350593"' in page
