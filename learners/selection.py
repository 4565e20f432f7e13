"""The records a learner-list action is for: the ticked rows, or every record matching the filters."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from learners.caseload import within_caseload
from learners.listing import AnyUser
from learners.models import Learner
from learners.selectors import LearnerFilters, learner_filters_from, learner_search

ALL_MATCHING = "all_matching"
CONFIRMED = "confirmed"


def learners_selected(data: QueryDict, user: AnyUser | None) -> QuerySet[Learner]:
    """With scope=all_matching, every record matching the filters posted with the action (the
    list's own query-string names); otherwise the ticked ones (`learner` ids). Unknown ids are ignored."""
    if data.get("scope") == ALL_MATCHING:
        return learner_search(filters=learner_filters_from(data, user))
    ids = [int(value) for value in data.getlist("learner") if value.isdigit()][
        :5000
    ]  # a page holds 50; more is not a person ticking
    return within_caseload(Learner.objects.filter(pk__in=ids), user).order_by("last_name", "first_name", "learner_ref")


def selection_filters(data: QueryDict, user: AnyUser | None = None) -> LearnerFilters | None:
    """The filters an "all matching" action was posted with (None for ticked records): for saying what was picked."""
    return learner_filters_from(data, user) if data.get("scope") == ALL_MATCHING else None


def selection_confirm(request: HttpRequest, *, action: str, count: int, refusal: str = "") -> HttpResponse | None:
    """None once the person has confirmed; until then the step naming how many records the action is for."""
    if request.POST.get(CONFIRMED) == "1":
        return None
    return selection_step(request, action=action, count=count, refusal=refusal)


def selection_step(request: HttpRequest, *, action: str, count: int, refusal: str = "") -> HttpResponse:
    """The step before a list action starts: the count, and Start (or why it may not).

    It posts the same selection again with `confirmed`, so the action then counts
    again what the person agreed to. With htmx it is a dialog, else a page.
    """
    scope = "matching this filter" if request.POST.get("scope") == ALL_MATCHING else "ticked"
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", CONFIRMED)
        for value in values
    ]
    context = {
        "action": action,
        "count": count,
        "scope": scope,
        "refusal": refusal,
        "carried": carried,
        "target": request.path,
    }
    htmx = getattr(request, "htmx", False)
    return render(request, "learners/_selection_confirm.html" if htmx else "learners/selection_confirm.html", context)
