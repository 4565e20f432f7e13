"""Get Results for a selection: the learners a run is limited to, from the learner list's query.

A run for a selection stores the list's query (its filters, or the ticked
ids) rather than the learners it matched, so a selection of "all matching
this filter" over tens of thousands of records costs the web request one
small row; the planner asks the same question again on the worker, through
the list's own `learners_selected`, and downloads the eligible ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.http import QueryDict

from learners.models import Learner
from learners.selection import learners_selected
from permissions.access import AnyUser

# Form fields that are not part of the question asked.
NOT_SELECTION = {"csrfmiddlewaretoken"}
MAX_VALUES = 10_000


class SelectionTooLarge(ValueError):
    """More ticked records than a request carries sensibly; "all matching this filter" is the way."""


def selection_params(data: QueryDict) -> dict[str, list[str]]:
    """The selection a POST carries, as JSON a run row can keep."""
    params = {key: data.getlist(key) for key in data if key not in NOT_SELECTION}
    if sum(len(values) for values in params.values()) > MAX_VALUES:
        raise SelectionTooLarge(f"At most {MAX_VALUES} records can be ticked: use “all matching this filter”.")
    return params


def selection_learners(selection: Mapping[str, list[str]], user: AnyUser | None) -> QuerySet[Learner]:
    """The records a stored selection stands for now, as the person who chose it may see them."""
    query = QueryDict(mutable=True)
    for key, values in selection.items():
        query.setlist(key, [str(value) for value in values])
    return learners_selected(query, user)
