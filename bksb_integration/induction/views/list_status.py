"""The learner list's assessment status column and filter, and Get Results for a selection.

Registered with the list in the app's ready(). The filter is a queryset
expression on the stored status (induction/status_read.stage_filter); the column reads a
page's stored statuses in one query; the action starts one Get Results run limited to the
ticked records, or to all matching the list's filter, with the same window,
right and rules (one run at a time, eligibility) as Get Results for all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from bksb_integration.config.connection import bksb_readiness
from bksb_integration.induction.status import FILTER_CHOICES, AssessmentStatus
from bksb_integration.induction.status_read import assessment_statuses, stage_filter
from bksb_integration.models import Run
from bksb_integration.sync.get_results import get_results_start
from bksb_integration.sync.selection import SelectionTooLarge, selection_learners, selection_params
from bksb_integration.web.runs.views import run_refused, run_window
from learners.listing import (
    ListAction,
    ListColumn,
    ListFilter,
    list_action_register,
    list_column_register,
    list_filter_register,
)
from learners.models import Learner
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

STATUS_PARAM = "bksb_status"


def _statuses(learners: Sequence[Learner]) -> Mapping[int, AssessmentStatus]:
    return assessment_statuses(learner_ids=[learner.pk for learner in learners])


def _csv(status: AssessmentStatus | None) -> str:
    return f"{status.stage.label} ({status.text})" if status is not None else ""


ASSESSMENT_FILTER = ListFilter(
    param=STATUS_PARAM,
    label="Initial assessments",
    choices=lambda: FILTER_CHOICES,
    apply=stage_filter,
    visible_to=access.can_see_bksb,
)
ASSESSMENT_COLUMN = ListColumn(
    key="bksb_status",
    header="Initial assessments",
    values=_statuses,
    template="bksb_integration/induction/_list_status_cell.html",
    csv=_csv,
    visible_to=access.can_see_bksb,
)
GET_RESULTS_ACTION = ListAction(
    label="Get Results",
    url_name="bksb:get_results_selection",
    allowed=lambda request: access.can_get_results_for_records(request.user),
    confirm="Download bksb results for {count}?",
    help="Downloads the selected records' bksb results now, in one run with a progress window.",
)


def register() -> None:
    list_filter_register(ASSESSMENT_FILTER)
    list_column_register(ASSESSMENT_COLUMN)
    list_action_register(GET_RESULTS_ACTION)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(reverse("learners:list"))
    return redirect("learners:list")


def _label(request: HttpRequest, count: int) -> str:
    noun = "record" if count == 1 else "records"
    if request.POST.get("scope") == "all_matching":
        return f"all {count} {noun} matching a filter of the learner list"
    return f"{count} ticked {noun}"


@bksb_view(access.can_get_results_for_records)
@require_POST
def get_results_selection(request: StaffRequest) -> HttpResponse:
    """Start one Get Results run for the ticked records, or all matching the list's filter."""
    readiness = bksb_readiness()
    if not readiness.ready:
        if request.htmx:
            return run_refused(request, readiness.reason)
        messages.error(request, readiness.reason)
        return _back_to_list(request)
    try:
        selection = selection_params(request.POST)
    except SelectionTooLarge as exc:
        messages.error(request, str(exc))
        return _back_to_list(request)
    count = selection_learners(selection, request.user).count()
    if not count:
        messages.error(request, "Select the records to get results for, or “all matching this filter”.")
        return _back_to_list(request)
    run, started = get_results_start(
        started_by=request.user, trigger=Run.Trigger.MANUAL, selection=selection, selection_label=_label(request, count)
    )
    if request.htmx:
        return run_window(request, run, started=started)
    if started:
        messages.success(request, f"Get Results started for {run.selection_label}.")
    else:
        messages.info(request, "Get Results is already running: this is its progress.")
    return redirect("bksb:management")
