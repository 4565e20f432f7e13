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

from django.db.models import QuerySet
from django.http import HttpRequest

from learners.models import Learner
from permissions.access import AnyUser

LearnerQuery = QuerySet[Learner]
# A permissions.access helper: may this user see a registered filter, column or sort?
UserCheck = Callable[[AnyUser], bool]


@dataclass(frozen=True)
class ListFilter:
    """A select above the list. `apply` is called only with one of `choices()`'s values."""

    param: str
    label: str
    choices: Callable[[], Sequence[tuple[str, str]]]
    apply: Callable[[LearnerQuery, str], LearnerQuery]
    allowed: UserCheck | None = None  # who may see and use it (None: everyone who sees the list)


@dataclass(frozen=True)
class ListColumn:
    """A column of the list and of its CSV: `values` maps learner id to value for a page of records."""

    key: str
    header: str
    values: Callable[[Sequence[Learner]], Mapping[int, Any]]
    template: str
    csv: Callable[[Any], str]
    allowed: UserCheck | None = None


@dataclass(frozen=True)
class ListSort:
    """A choice of the list's Sort by select."""

    key: str
    label: str
    order: Callable[[LearnerQuery], LearnerQuery]
    allowed: UserCheck | None = None


@dataclass(frozen=True)
class ListAction:
    """A button under the list that acts on the ticked records, or on all matching the filters."""

    label: str
    url_name: str
    allowed: Callable[[HttpRequest], bool]
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


def _for(check: UserCheck | None, user: AnyUser | None) -> bool:
    """None for the user: everything (a command, a test); otherwise what the user may see."""
    return user is None or check is None or check(user)


def list_filters(user: AnyUser | None = None) -> list[ListFilter]:
    return [f for f in _filters.values() if _for(f.allowed, user)]


def list_columns(user: AnyUser | None = None) -> list[ListColumn]:
    return [c for c in _columns.values() if _for(c.allowed, user)]


def list_sorts(user: AnyUser | None = None) -> list[ListSort]:
    return [s for s in _sorts.values() if _for(s.allowed, user)]


def list_sort(key: str, user: AnyUser | None = None) -> ListSort | None:
    sort = _sorts.get(key)
    return sort if sort is not None and _for(sort.allowed, user) else None


def list_filter(param: str, user: AnyUser | None = None) -> ListFilter | None:
    registered = _filters.get(param)
    return registered if registered is not None and _for(registered.allowed, user) else None


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


def column_cells(learners: Sequence[Learner], user: AnyUser | None = None) -> ColumnCells:
    columns = list_columns(user)
    return ColumnCells(columns=columns, values={column.key: column.values(learners) for column in columns})
