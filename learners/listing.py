"""What other apps add to the learner list: filters, columns, sort orders and actions.

The learner list knows only learner records. An app with more to say about a
record (bksb levels, assessment status, tags) registers it here from its
AppConfig.ready(), and the list, its CSV export and every "all matching this
filter" action then carry it alike. Registered filters and sorts are queryset
expressions and a column's values are read for a whole page at once, so the list
costs the same few queries however many records it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest

from learners.models import Learner

LearnerQuery = QuerySet[Learner]
AnyUser = User | AnonymousUser


def everyone(user: AnyUser) -> bool:
    return True


@dataclass(frozen=True)
class ListFilter:
    """A select above the list. `apply` is called only with a value `accepts`, by default one of `choices()`'s."""

    param: str
    label: str
    choices: Callable[[], Sequence[tuple[str, str]]]
    apply: Callable[[LearnerQuery, str], LearnerQuery]
    visible_to: Callable[[AnyUser], bool] = everyone
    # For choices that cost more to list than one value costs to check (the Aim filter's).
    accepts: Callable[[str], bool] | None = None

    def accepted(self, value: str) -> bool:
        if self.accepts is not None:
            return self.accepts(value)
        return value in {choice for choice, _ in self.choices()}


@dataclass(frozen=True)
class ListColumn:
    """A column of the list and of its CSV: `values` maps learner id to value for a page of records."""

    key: str
    header: str
    values: Callable[[Sequence[Learner]], Mapping[int, Any]]
    template: str
    csv: Callable[[Any], str]
    visible_to: Callable[[AnyUser], bool] = everyone
    # Shown until the person hides it with the list's column chooser (learners/columns.py).
    shown_by_default: bool = True


@dataclass(frozen=True)
class ListSort:
    """A choice of the list's Sort by select."""

    key: str
    label: str
    order: Callable[[LearnerQuery], LearnerQuery]
    visible_to: Callable[[AnyUser], bool] = everyone


@dataclass(frozen=True)
class ListAction:
    """A button under the list that acts on the ticked records, or on all matching the filters."""

    label: str
    url_name: str
    allowed: Callable[[HttpRequest], bool]
    # The question asked before it starts; "{count}" becomes the selection's size ("3 ticked records").
    confirm: str = ""
    help: str = ""


@dataclass(frozen=True)
class ListLink:
    """A link beside Download CSV to another page about the records matching the filters (their query string)."""

    label: str
    url_name: str
    allowed: Callable[[HttpRequest], bool]


_filters: dict[str, ListFilter] = {}
_columns: dict[str, ListColumn] = {}
_sorts: dict[str, ListSort] = {}
_actions: dict[str, ListAction] = {}
_links: dict[str, ListLink] = {}

# The list's own query-string names: a registered filter may not take one.
RESERVED = {
    "q",
    "kind",
    "system_status",
    "learning_status",
    "start_from",
    "start_to",
    "sort",
    "page",
    "learner",
    "scope",
}


def list_filter_register(list_filter: ListFilter) -> None:
    if list_filter.param in RESERVED:
        raise ValueError(f"{list_filter.param!r} is one of the learner list's own parameters")
    _filters[list_filter.param] = list_filter


def list_column_register(column: ListColumn) -> None:
    _columns[column.key] = column


def list_sort_register(sort: ListSort) -> None:
    _sorts[sort.key] = sort


def list_action_register(action: ListAction) -> None:
    _actions[action.url_name] = action


def list_link_register(link: ListLink) -> None:
    _links[link.url_name] = link


# Each reader takes the user the list is for, and leaves out what that user may not see;
# with no user (a worker re-reading a query a permitted user posted) it gives everything.


def list_filters(user: AnyUser | None = None) -> list[ListFilter]:
    return [each for each in _filters.values() if user is None or each.visible_to(user)]


def list_columns(user: AnyUser | None = None) -> list[ListColumn]:
    return [each for each in _columns.values() if user is None or each.visible_to(user)]


def list_sorts(user: AnyUser | None = None) -> list[ListSort]:
    return [each for each in _sorts.values() if user is None or each.visible_to(user)]


def list_sort(key: str, user: AnyUser | None = None) -> ListSort | None:
    sort = _sorts.get(key)
    return sort if sort is not None and (user is None or sort.visible_to(user)) else None


def list_filter(param: str) -> ListFilter | None:
    return _filters.get(param)


def list_actions_for(request: HttpRequest) -> list[ListAction]:
    return [action for action in _actions.values() if action.allowed(request)]


def list_links_for(request: HttpRequest) -> list[ListLink]:
    return [link for link in _links.values() if link.allowed(request)]


@dataclass(frozen=True)
class ColumnCells:
    """One page's values of every registered column, read once per column."""

    columns: list[ListColumn]
    values: dict[str, Mapping[int, Any]]

    def row(self, learner: Learner) -> list[tuple[ListColumn, Any]]:
        return [(column, self.values[column.key].get(learner.pk)) for column in self.columns]


def column_cells(
    learners: Sequence[Learner], user: AnyUser | None = None, *, columns: Sequence[ListColumn] | None = None
) -> ColumnCells:
    """The values of these columns (by default every column the user may see), each read once for the page."""
    chosen = list(list_columns(user) if columns is None else columns)
    return ColumnCells(columns=chosen, values={column.key: column.values(learners) for column in chosen})
