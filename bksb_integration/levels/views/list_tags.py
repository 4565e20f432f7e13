"""Levels at a glance on the learner list: the Tag filter and the Evidence packs action.

The level columns, level filters, funding flag filters and sorts are the cohort
reports' part (they call results/levels.py and results/funding.py).
"""

from __future__ import annotations

from django.http import HttpRequest

from bksb_integration.levels.queries import learners_tagged, tag_choices
from learners.listing import LearnerQuery, ListAction, ListFilter, list_action_register, list_filter_register
from permissions import access
from permissions.access import bksb_available

TAG_PARAM = "bksb_tag"


def _by_tag(learners: LearnerQuery, value: str) -> LearnerQuery:
    return learners_tagged(learners, int(value))


def _may_make_packs(request: HttpRequest) -> bool:
    return bksb_available() and access.can_see_bksb_records(request.user)


def register() -> None:
    list_filter_register(
        ListFilter(param=TAG_PARAM, label="Tag", choices=tag_choices, apply=_by_tag, visible_to=access.can_see_bksb)
    )
    list_action_register(
        ListAction(
            label="Evidence packs",
            url_name="bksb:evidence_packs",
            allowed=_may_make_packs,
            help="A zip of one PDF per selected record: its bksb results, levels, flags and a fingerprint.",
        )
    )
