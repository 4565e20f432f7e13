"""The Hub's levels panel shows only results of the learner's current bksb user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import BksbLink
from hub.selectors import latest_levels
from tests.support import add_result_summarised as add_result

pytestmark = pytest.mark.django_db

CURRENT, PREVIOUS = 2100002, 2100001


def _when(day: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, 10, 0, tzinfo=dt.UTC)


def _maths(learner) -> str | None:
    return {level.subject: level.level for level in latest_levels(learner=learner)}["Maths"]


def test_results_kept_from_a_previous_bksb_user_are_not_shown(learner):
    BksbLink.objects.create(learner=learner, bksb_user_id=CURRENT)
    add_result(learner, bksb_user_id=PREVIOUS, result_date=_when(20), level="level_2")
    add_result(learner, bksb_user_id=CURRENT, result_date=_when(5), level="entry_3")

    assert _maths(learner) == "Entry 3"


def test_a_learner_whose_current_bksb_user_has_no_results_sees_none(learner):
    BksbLink.objects.create(learner=learner, bksb_user_id=CURRENT)
    add_result(learner, bksb_user_id=PREVIOUS, result_date=_when(20), level="level_2")

    assert [level.level for level in latest_levels(learner=learner)] == [None, None, None]


def test_a_learner_with_no_current_bksb_user_sees_none(learner):
    add_result(learner, bksb_user_id=PREVIOUS, result_date=_when(20), level="level_2")
    BksbLink.objects.filter(learner=learner).update(bksb_user_id=None)
    levels_refresh(learner_ids=[learner.pk], reason="unlinked")  # as every change of the link does

    assert _maths(learner) is None


def test_the_dashboard_panel_ignores_the_previous_bksb_user(hub_client, web_user, levels_on):
    BksbLink.objects.create(learner=web_user.learner, bksb_user_id=CURRENT)
    add_result(web_user.learner, bksb_user_id=PREVIOUS, result_date=_when(20), assessment_name="Old user's Maths")

    panel = hub_client.get(reverse("hub:dashboard")).content.decode().split("Your bksb levels")[1]

    assert "Old user's Maths" not in panel
    assert panel.count("No result yet") == 3
