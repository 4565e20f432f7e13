"""The records a learner-list action is for: the ticked rows, or every record matching the filters."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import QueryDict

from learners.listing import AnyUser
from learners.models import Learner
from learners.selectors import LearnerFilters, learner_filters_from, learner_search

ALL_MATCHING = "all_matching"


def learners_selected(data: QueryDict, user: AnyUser | None = None) -> QuerySet[Learner]:
    """With scope=all_matching, every record matching the filters posted with the action (the
    list's own query-string names); otherwise the ticked ones (`learner` ids). Unknown ids are ignored."""
    if data.get("scope") == ALL_MATCHING:
        return learner_search(filters=learner_filters_from(data, user))
    ids = [int(value) for value in data.getlist("learner") if value.isdigit()][
        :5000
    ]  # a page holds 50; more is not a person ticking
    return Learner.objects.filter(pk__in=ids).order_by("last_name", "first_name", "learner_ref")


def selection_filters(data: QueryDict, user: AnyUser | None = None) -> LearnerFilters | None:
    """The filters an "all matching" action was posted with (None for ticked records): for saying what was picked."""
    return learner_filters_from(data, user) if data.get("scope") == ALL_MATCHING else None
