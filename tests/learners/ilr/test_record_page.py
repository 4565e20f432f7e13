"""The learner's page shows the prior attainment and aims to staff with View prior attainment, and to nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from learners.models import LearningAim
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def apprentice():
    learner = LearnerFactory(
        learner_ref="AP0401", uln="1000000043", gcse_english_grade="4", gcse_maths_grade="NONE", prior_level="2",
        edf_maths=True, provision_type="apprenticeships", attainment_source="ilr",
        attainment_as_of=dt.date(2025, 10, 3),
    )  # fmt: skip
    LearningAim.objects.create(
        learner=learner, aim_seq_number=2, learn_aim_ref="60350581", aim_type=3, fund_model=36, prog_type=25,
        std_code=123, start_date=dt.date(2025, 9, 1), planned_end_date=dt.date(2026, 6, 30), comp_status=1,
        planned_english_hours=52,
    )  # fmt: skip
    return learner


def test_a_manager_sees_the_grades_prior_level_fams_and_aims_in_words(client, manager, apprentice):
    client.force_login(manager)
    text = client.get(reverse("learners:detail", args=[apprentice.pk])).text

    for shown in (
        "<dt>ULN</dt><dd>1000000043</dd>",
        "<dt>GCSE English</dt><dd>Grade 4</dd>",
        "<dt>GCSE maths</dt><dd>No GCSE in this subject</dd>",
        "<dt>Prior attainment level</dt><dd>Full level 2</dd>",
        "EDF 1: GCSE maths not achieved by the end of year 11",
        "<dt>Provision type</dt><dd>Apprenticeships</dd>",
        "<dt>Where from</dt><dd>ILR file prepared 3 Oct 2025</dd>",
        "NCFE Level 1 Functional Skills Qualification in English",
        "<strong>English Level 1</strong>",
        "Apprenticeships (36)",
        "Apprenticeship standard (25), standard 123",
        "English 52 h",
    ):
        assert shown in text


def test_staff_without_the_right_see_none_of_it(client, tutor, apprentice):
    client.force_login(tutor)
    text = client.get(reverse("learners:detail", args=[apprentice.pk])).text

    assert "AP0401" in text
    for hidden in ("1000000043", "Prior attainment", "Grade 4", "60350581", "Learning aims", "Apprenticeships"):
        assert hidden not in text
