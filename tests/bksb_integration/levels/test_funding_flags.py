"""Funding flags: each at its threshold, the queryset filters agreeing with the record's own flags, the thresholds
editable, the plain-words page, and the flags on the BKSB tab."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bksb_integration.levels.funding import FLAGS, Thresholds, flags_for, learners_flagged
from bksb_integration.models import BksbSettings
from learners.models import Learner
from tests.bksb_integration.levels.levels_support import OTHER_USER, item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
DEFAULT = Thresholds("level_2", "level_1", "level_1")


def raised(learner: Learner, thresholds: Thresholds = DEFAULT) -> set[str]:
    """The record's flags, asserting the list's filter agrees for every flag."""
    learner = Learner.objects.get(pk=learner.pk)
    mine = {r.flag.code for r in flags_for([learner], thresholds)[learner.pk]}
    for flag in FLAGS:
        found = learners_flagged(Learner.objects.filter(pk=learner.pk), flag.code, thresholds).exists()
        assert found == (flag.code in mine), flag.code
    return mine


@pytest.mark.parametrize(
    ("result", "flagged"),
    [
        ("Maths Entry 3", True),
        ("Maths Level 1", True),
        ("Maths Level 2", False),  # the threshold itself is not below it
        ("Maths Level 3", False),
    ],
)
def test_maths_entitlement_below_level_2(result, flagged):
    learner = LearnerFactory(start_date=None)
    store(learner, item(1, result, when=SEP))
    assert ("maths_entitlement" in raised(learner)) is flagged


@pytest.mark.parametrize(("result", "flagged"), [("English Level 1", True), ("English Level 2", False)])
def test_english_entitlement_below_level_2(result, flagged):
    learner = LearnerFactory(start_date=None)
    store(learner, item(1, result, subject="english", when=SEP))
    assert ("english_entitlement" in raised(learner)) is flagged


@pytest.mark.parametrize(("result", "flagged"), [("ICT Entry 3", True), ("ICT Level 1", False)])
def test_digital_below_level_1(result, flagged):
    learner = LearnerFactory(start_date=None)
    store(learner, item(1, result, subject="ict", when=SEP))
    assert ("digital_below" in raised(learner)) is flagged


@pytest.mark.parametrize(
    ("result", "subject", "flagged"),
    [
        ("English Entry 3", "english", False),
        ("English Level 1", "english", True),  # the threshold itself counts
        ("Maths Level 2", "maths", True),
        ("Maths Entry 3", "maths", False),
    ],
)
def test_prior_knowledge_at_level_1_or_above(result, subject, flagged):
    learner = LearnerFactory(start_date=None)
    store(learner, item(1, result, subject=subject, when=SEP))
    assert (f"{subject}_prior_knowledge" in raised(learner)) is flagged


def test_flags_read_the_latest_initial_assessment_not_a_diagnostic():
    learner = LearnerFactory(start_date=None)
    store(
        learner,
        item(1, "Maths Level 2", when=SEP),
        item(2, "Maths Entry 1", when=SEP + dt.timedelta(days=1), kind="diagnostic", score=12.0),
    )
    assert raised(learner) == {"maths_prior_knowledge"}


@pytest.mark.parametrize(
    ("assessed_on", "flagged"),
    [
        (dt.datetime(2026, 8, 31, 22, 30, tzinfo=dt.UTC), False),  # 23:30 on 31 August in London
        (dt.datetime(2026, 9, 1, 22, 30, tzinfo=dt.UTC), False),  # 23:30 on the start date itself
        (dt.datetime(2026, 9, 1, 23, 30, tzinfo=dt.UTC), True),  # 00:30 on 2 September in London
    ],
)
def test_no_initial_assessment_before_the_start_date(assessed_on, flagged):
    learner = LearnerFactory(start_date=dt.date(2026, 9, 1))
    store(learner, item(1, "Maths Entry 3", when=assessed_on))
    assert ("maths_no_initial" in raised(learner)) is flagged
    assert "english_no_initial" in raised(learner)


def test_an_unmapped_initial_assessment_still_counts_as_assessed_but_raises_no_level_flag():
    learner = LearnerFactory(start_date=dt.date(2026, 9, 30))
    store(learner, item(1, "Maths: see tutor", when=SEP))
    assert raised(learner) == {"english_no_initial"}


def test_a_record_without_a_start_date_or_results():
    assert raised(LearnerFactory(start_date=None)) == set()
    assert raised(LearnerFactory(start_date=dt.date(2026, 9, 1))) == {"english_no_initial", "maths_no_initial"}


def test_results_of_a_previous_bksb_user_raise_nothing():
    learner = LearnerFactory(start_date=dt.date(2026, 9, 30))
    store(learner, item(1, "Maths Entry 1", when=SEP), user_id=OTHER_USER)
    store(learner, item(2, "English Level 2", subject="english", when=SEP))
    assert raised(learner) == {"maths_no_initial", "english_prior_knowledge"}


def test_thresholds_move_the_flags():
    learner = LearnerFactory(start_date=None)
    store(learner, item(1, "Maths Level 2", when=SEP))
    assert "maths_entitlement" not in raised(learner)
    assert "maths_entitlement" in raised(learner, Thresholds("level_3", "level_1", "level_3"))
    assert "maths_prior_knowledge" not in raised(learner, Thresholds("level_3", "level_1", "level_3"))


def test_a_flag_names_the_result_it_rests_on():
    learner = LearnerFactory(start_date=None)
    store(learner, item(41, "English Entry 2", subject="english", when=SEP, assessment_id=777))
    (flag,) = flags_for([learner], DEFAULT)[learner.pk]
    assert flag.label == "English assessed below Level 2: eligible for the fully funded entitlement"
    assert flag.rests_on == "Initial assessment Entry 2 on 1 Sep 2026 (SessionId 41, AssessmentID 777)"
    assert (flag.session_id, flag.assessment_id) == (41, 777)


def test_the_admin_edits_the_thresholds_and_the_page_explains_them(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("bksb:funding_thresholds"),
        {
            "funding_entitlement_below": "level_3",
            "funding_digital_below": "entry_3",
            "funding_prior_knowledge_from": "level_2",
        },
        follow=True,
    )
    assert "Funding flag thresholds saved." in response.content.decode()
    assert Thresholds.load() == Thresholds("level_3", "entry_3", "level_2")
    page = client.get(reverse("bksb:funding_flags")).content.decode()
    assert "Decision support, not funding advice." in page
    assert "Maths assessed below Level 3: eligible for the fully funded entitlement" in page
    assert "Digital assessed below Entry 3" in page
    assert "English prior knowledge shown: Level 2 or above at initial assessment" in page


def test_a_bad_threshold_is_refused_and_nothing_changes(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("bksb:funding_thresholds"),
        {
            "funding_entitlement_below": "grade_9",
            "funding_digital_below": "level_1",
            "funding_prior_knowledge_from": "",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert BksbSettings.load().funding_entitlement_below == "level_2"


def test_the_record_shows_its_flags_and_what_they_rest_on(client, tutor):
    learner = LearnerFactory(start_date=dt.date(2026, 9, 30))
    store(learner, item(5, "Maths Entry 3", when=SEP))
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert "Maths assessed below Level 2: eligible for the fully funded entitlement" in page
    assert "Initial assessment Entry 3 on 1 Sep 2026 (SessionId 5, AssessmentID 50000)" in page
    assert "English: no initial assessment before the start date" in page
    assert "No English initial assessment result is stored." in page
