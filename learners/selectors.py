"""Reads of learner records: the learner list's filters, and the records they pick."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from learners.caseload import caseload_q
from learners.listing import AnyUser, list_filter, list_filters, list_sort
from learners.models import Kind, Learner, LearningStatus, SystemStatus

NAME_ORDER = ("last_name", "first_name", "learner_ref")


@dataclass(frozen=True)
class LearnerFilters:
    query: str = ""
    system_status: str = ""
    learning_status: str = ""
    kind: str = ""
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    # Registered filters (learners.listing) with a value among their choices, as (param, value).
    extra: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    # What could not be read (a malformed date), to show beside the filters.
    problems: tuple[str, ...] = field(default=(), compare=False)
    # The caseload of the person asking, when they are restricted to one (learners.caseload).
    caseload: Q | None = field(default=None, compare=False)

    def value(self, param: str) -> str:
        return dict(self.extra).get(param, "")

    def as_params(self) -> dict[str, str]:
        """The query-string form of these filters: links to the same list, and the form an action posts."""
        params = {
            "q": self.query,
            "kind": self.kind,
            "system_status": self.system_status,
            "learning_status": self.learning_status,
            "start_from": self.start_from.isoformat() if self.start_from else "",
            "start_to": self.start_to.isoformat() if self.start_to else "",
            **dict(self.extra),
            "sort": self.sort,
        }
        return {name: value for name, value in params.items() if value}

    def querystring(self) -> str:
        return urlencode(self.as_params())


def learner_filters_from(params: Mapping[str, str], user: AnyUser | None = None) -> LearnerFilters:
    """The list's filters from a query string (or the POST of a list action), ignoring unknown values
    and, given a user, the registered filters and sorts that user may not see."""
    problems: list[str] = []
    extra = []
    for registered in list_filters(user):
        value = str(params.get(registered.param, ""))
        if value and registered.accepted(value):
            extra.append((registered.param, value))
    sort = str(params.get("sort", ""))
    start_from = _date(params, "start_from", "Start date from", problems)
    start_to = _date(params, "start_to", "Start date to", problems)
    if start_from and start_to and start_from > start_to:
        problems.append("Start date from is after Start date to: no record can start in between.")
    return LearnerFilters(
        query=str(params.get("q", "")).strip()[:100],
        system_status=_choice(params, "system_status", SystemStatus.values),
        learning_status=_choice(params, "learning_status", LearningStatus.values),
        kind=_choice(params, "kind", Kind.values),
        start_from=start_from,
        start_to=start_to,
        extra=tuple(extra),
        sort=sort if list_sort(sort, user) else "",
        problems=tuple(problems),
        caseload=caseload_q(user),
    )


def _choice(params: Mapping[str, str], name: str, allowed: list[str]) -> str:
    value = str(params.get(name, ""))
    return value if value in allowed else ""


def _date(params: Mapping[str, str], name: str, label: str, problems: list[str]) -> dt.date | None:
    text = str(params.get(name, "")).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}: enter a date such as 2026-09-01 (this filter was left out).")
        return None


def learner_search(*, filters: LearnerFilters) -> QuerySet[Learner]:
    """Learners matching every word of the query (in name, reference, email or
    web username), the chosen statuses, start dates and registered filters, in the chosen order."""
    qs = Learner.objects.select_related("web_user__user")
    if filters.caseload is not None:
        qs = qs.filter(filters.caseload)
    for word in filters.query.lower().split()[:6]:
        qs = qs.filter(search_text__contains=word)
    if filters.system_status:
        qs = qs.filter(system_status=filters.system_status)
    if filters.learning_status:
        qs = qs.filter(learning_status=filters.learning_status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.start_from:
        qs = qs.filter(start_date__gte=filters.start_from)
    if filters.start_to:
        qs = qs.filter(start_date__lte=filters.start_to)
    for param, value in filters.extra:
        registered = list_filter(param)
        if registered is not None:
            qs = registered.apply(qs, value)
    sort = list_sort(filters.sort)
    if sort is not None:
        ordered = sort.order(qs)
        return ordered.order_by(*ordered.query.order_by, *NAME_ORDER)  # ties in name order
    return qs.order_by(*NAME_ORDER)
