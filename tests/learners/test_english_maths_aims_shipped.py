"""The English and maths aim mapping ships the reformed Functional Skills aims its migrations name."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter

import pytest
from django.apps import apps

from learners.models import EnglishMathsAim, Learner, LearningAim
from learners.record_attainment import learner_attainment

more_aims = importlib.import_module("learners.migrations.0006_more_english_maths_aims")

pytestmark = pytest.mark.django_db


def test_every_qualification_in_the_migration_is_in_the_mapping_by_its_aim_reference():
    for number, title, subject, level in more_aims.QUALIFICATIONS:
        aim = EnglishMathsAim.objects.get(learn_aim_ref=number.replace("/", ""))
        assert (aim.title, aim.subject, aim.level) == (title, subject, level)


@pytest.mark.parametrize(
    ("ref", "subject", "level"),
    [
        # aim references spelt out by published pages, not derived here
        ("6034992X", "maths", "level_2"),  # Highfield, "Learning aim reference: 6034992X"
        ("60349967", "maths", "level_1"),  # Highfield, "Learning aim reference: 60349967"
        ("60350556", "maths", "level_1"),  # NCFE, "NCFE Aim Reference: 60350556"
        ("60348045", "maths", "level_2"),  # FutureQuals, QAN 603/4804/5
        ("60350532", "maths", "entry_2"),  # NCFE, Ref 603/5053/2
        ("60342882", "english", "entry_3"),  # Pearson Edexcel, 603/4288/2
        ("60346474", "english", "level_2"),  # City & Guilds, 603/4647/4
    ],
)
def test_a_shipped_aim_has_its_subject_and_level(ref, subject, level):
    aim = EnglishMathsAim.objects.get(learn_aim_ref=ref)

    assert (aim.subject, aim.level) == (subject, level)


def test_the_mapping_holds_both_subjects_at_each_level_from_entry_3_up():
    shipped = Counter(EnglishMathsAim.objects.values_list("subject", "level"))

    for subject in ("english", "maths"):
        for level in ("entry_3", "level_1", "level_2"):
            assert shipped[(subject, level)] >= 6, (subject, level)


def test_the_titles_name_their_subject_and_level():
    for number, title, subject, level in more_aims.QUALIFICATIONS:
        assert ("English" if subject == "english" else "athematics") in title, number
        words = {"entry_2": "Entry Level 2", "entry_3": "Entry 3", "level_1": "Level 1", "level_2": "Level 2"}
        assert words[level] in title.replace("Entry Level 3", "Entry 3"), number


def test_the_migration_leaves_a_row_an_admin_changed_as_it_is():
    EnglishMathsAim.objects.filter(learn_aim_ref="60346474").update(title="C&G FS English L2 (our name)")

    more_aims.forwards(apps, None)

    assert EnglishMathsAim.objects.get(learn_aim_ref="60346474").title == "C&G FS English L2 (our name)"
    assert EnglishMathsAim.objects.filter(learn_aim_ref="60346474").count() == 1


def test_a_learners_aim_with_a_shipped_reference_shows_its_subject_and_level(learner: Learner):
    LearningAim.objects.create(
        learner=learner,
        aim_seq_number=1,
        learn_aim_ref="6034992X",
        aim_type=4,
        fund_model=36,
        start_date=dt.date(2025, 9, 1),
        planned_end_date=dt.date(2026, 7, 31),
        comp_status=1,
    )

    (aim,) = learner_attainment(learner=learner).aims

    assert aim.title == "Highfield Functional Skills Qualification in Mathematics at Level 2"
    assert aim.subject_level == "Maths Level 2"
