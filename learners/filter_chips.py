"""The learner list's chosen filters as chips above the list, each a link to the list without it.

The filters themselves fold into the Filters panel; the chips say what is chosen while it is
shut. Removing one keeps the search, the sort and every other filter, and goes back to page 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from bksbmis.dates import uk_date
from learners.listing import ListFilter
from learners.models import Kind, LearningStatus, SystemStatus
from learners.selectors import LearnerFilters


@dataclass(frozen=True)
class FilterChip:
    param: str
    label: str
    value: str
    remove_url: str

    @property
    def name(self) -> str:
        """What the chip's link says to a screen reader: "Remove filter: Maths level Entry 3 or below"."""
        return f"Remove filter: {self.label} {self.value}"


RegisteredChoices = Sequence[tuple[ListFilter, str, Sequence[tuple[str, str]]]]


def filter_chips(*, filters: LearnerFilters, registered: RegisteredChoices) -> list[FilterChip]:
    """A chip per chosen filter, in the Filters panel's order.

    `registered` is the list's registered filters with their chosen value and their choices, as the
    panel shows them: read once for both (a filter's choices may cost a query).
    """
    chosen: list[tuple[str, str, str]] = []
    own: list[tuple[str, str, str, Sequence[tuple[str, str]]]] = [
        ("kind", "Learner/Applicant", filters.kind, Kind.choices),
        ("system_status", "System status", filters.system_status, SystemStatus.choices),
        ("learning_status", "Learning status", filters.learning_status, LearningStatus.choices),
    ]
    for param, label, value, choices in own:
        if value:
            chosen.append((param, label, dict(choices).get(value, value)))
    if filters.start_from:
        chosen.append(("start_from", "Start date from", uk_date(filters.start_from)))
    if filters.start_to:
        chosen.append(("start_to", "Start date to", uk_date(filters.start_to)))
    for list_filter, picked, options in registered:
        if picked:
            chosen.append((list_filter.param, list_filter.label, dict(options).get(picked, picked)))
    params = filters.as_params()
    return [FilterChip(param, label, text, _without(params, param)) for param, label, text in chosen]


def filters_cleared_url(filters: LearnerFilters) -> str:
    """The list with no filter chosen: the search and the sort stay."""
    kept = {name: value for name, value in filters.as_params().items() if name in {"q", "sort"}}
    return _url(kept)


def _without(params: dict[str, str], param: str) -> str:
    return _url({name: value for name, value in params.items() if name != param})


def _url(params: dict[str, str]) -> str:
    query = urlencode(params)
    return reverse("learners:list") + (f"?{query}" if query else "")
