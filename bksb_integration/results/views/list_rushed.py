"""The learner list's Rushed assessments filter: records with a finished V5 session completed unusually fast."""

from __future__ import annotations

from django.db.models import QuerySet

from bksb_integration.results.rushed import RUSHED_WORDS, learners_rushed
from learners.listing import ListFilter, list_filter_register
from learners.models import Learner
from permissions import access

RUSHED_PARAM = "bksb_rushed"
RUSHED_CHOICES = [("yes", f"A session {RUSHED_WORDS}")]


def _apply(learners: QuerySet[Learner], value: str) -> QuerySet[Learner]:
    return learners_rushed(learners)


RUSHED_FILTER = ListFilter(
    param=RUSHED_PARAM,
    label="Rushed assessments",
    choices=lambda: RUSHED_CHOICES,
    apply=_apply,
    visible_to=access.can_see_bksb,
)


def register() -> None:
    list_filter_register(RUSHED_FILTER)
