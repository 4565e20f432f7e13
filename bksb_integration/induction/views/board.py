"""Management > BKSB > Induction board: a cohort, picked with the learner list's filters, by assessment stage.

The cohort is the learner list's query string, so a board and the list it links
to always show the same records. Send invite (a job) goes to those with a bksb
user never invited, Send invite again to those invited and not started; Get
Results now (one Get Results run, reading sessions too) to those
who started and whose results are not all in. Both carry the cohort's filters
in their POST and work it out again, so they act on the records as they are.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.accounts.invite_jobs import invites_send_start
from bksb_integration.config.connection import bksb_readiness
from bksb_integration.induction.board import induction_board
from bksb_integration.induction.status import (
    AWAITING_RESULTS,
    AWAITING_STAGES,
)
from bksb_integration.induction.status_read import stage_filter
from bksb_integration.induction.views.list_status import STATUS_PARAM
from bksb_integration.models import Run
from bksb_integration.models.induction import Stage
from bksb_integration.sync.get_results import get_results_start
from bksb_integration.sync.selection import selection_params
from bksb_integration.web.runs.views import run_refused, run_window
from jobs.views import job_started_response
from learners.listing import list_filters
from learners.models import Kind, Learner, LearningStatus, SystemStatus
from learners.selectors import learner_filters_from, learner_search
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

# Not part of the cohort: the page's own fields, and what a POST adds.
NOT_COHORT = {"page", "csrfmiddlewaretoken", "with_auto_login_link", "scope", "learner", "to"}

# The board's two invite buttons: which stage each sends to, and what it says when nobody is there.
INVITE_TO = {
    "not_invited": (Stage.CREATED, "Nobody in this cohort has a bksb user without an invite: no invite was sent."),
    "invited": (Stage.INVITED, "Nobody in this cohort was invited and not started: no invite was sent again."),
}


def _cohort_params(data: QueryDict) -> QueryDict:
    cohort = data.copy()
    for name in NOT_COHORT:
        cohort.pop(name, None)
    return cohort


def _cohort(data: QueryDict) -> QuerySet[Learner]:
    return learner_search(filters=learner_filters_from(_cohort_params(data)))


def _list_url(cohort: QueryDict, stage: str) -> str:
    query = cohort.copy()
    query[STATUS_PARAM] = stage
    return f"{reverse('learners:list')}?{query.urlencode()}"


def _extra_filters(cohort: QueryDict) -> list[dict[str, object]]:
    """The filters other apps add to the learner list (this one's status among them), as the list shows them."""
    return [
        {"param": each.param, "label": each.label, "choices": each.choices(), "value": cohort.get(each.param, "")}
        for each in list_filters()
    ]


@bksb_view(access.can_get_results_for_records)
@require_GET
def board(request: StaffRequest) -> HttpResponse:
    cohort = _cohort_params(request.GET)
    shown = induction_board(cohort=_cohort(request.GET))
    context = {
        "board": shown,
        "filters": learner_filters_from(cohort),
        "cohort_fields": [(name, value) for name, values in cohort.lists() for value in values],
        "cohort_query": cohort.urlencode(),
        "columns": [(column, _list_url(cohort, column.stage)) for column in shown.columns],
        "not_invited": shown.count(Stage.CREATED),
        "invited": shown.count(Stage.INVITED),
        "awaiting": shown.count(*AWAITING_STAGES),
        "extra_filters": _extra_filters(cohort),
        "kinds": Kind.choices,
        "system_statuses": SystemStatus.choices,
        "learning_statuses": LearningStatus.choices,
        "may_invite": access.can_invite_from_board(request.user),
    }
    return render(request, "bksb_integration/induction/board.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    query = _cohort_params(request.POST).urlencode()
    return redirect(f"{reverse('bksb:induction_board')}?{query}" if query else reverse("bksb:induction_board"))


@bksb_view(access.can_invite_from_board)
@require_POST
def invite_again(request: StaffRequest) -> HttpResponse:
    """Send invite to the cohort's records never invited, or Send invite again to those invited and not started
    (the button pressed says which: `to`), as a job with its window."""
    with_link = request.POST.get("with_auto_login_link") == "on"
    readiness = bksb_readiness()
    if not readiness.ready:  # as a record's Send invite: not while the integration is off or unusable
        messages.error(request, readiness.reason)
        return _back(request)
    to = INVITE_TO.get(request.POST.get("to", ""))
    if to is None:
        messages.error(request, "Choose Send invite (never invited) or Send invite again (invited, not started).")
        return _back(request)
    stage, nobody = to
    ids = list(stage_filter(_cohort(request.POST), stage).values_list("pk", flat=True))
    if not ids:
        messages.info(request, nobody)
        return _back(request)
    job = invites_send_start(learner_ids=ids, started_by=request.user, with_auto_login_link=with_link)
    return job_started_response(request, job)


def _awaiting_selection(data: QueryDict) -> dict[str, list[str]]:
    """The cohort's records that started and whose results are not all in, as a Get Results selection."""
    selection = selection_params(_cohort_params(data))
    if selection.get(STATUS_PARAM, [""])[0] not in {AWAITING_RESULTS, *AWAITING_STAGES}:
        selection[STATUS_PARAM] = [AWAITING_RESULTS]
    return {**selection, "scope": ["all_matching"]}


@bksb_view(access.can_get_results_for_records)
@require_POST
def get_results_now(request: StaffRequest) -> HttpResponse:
    """One Get Results run, sessions included, for the cohort's records in progress."""
    readiness = bksb_readiness()
    if not readiness.ready:
        if request.htmx:
            return run_refused(request, readiness.reason)
        messages.error(request, readiness.reason)
        return _back(request)
    selection = _awaiting_selection(request.POST)
    awaiting = stage_filter(_cohort(request.POST), AWAITING_RESULTS)
    count = awaiting.count()
    if not count:
        messages.info(request, "Nobody in this cohort is in progress: there are no results to get.")
        return _back(request)
    label = f"{count} record{'s' * (count != 1)} of the Induction board in progress"
    run, started = get_results_start(
        started_by=request.user,
        trigger=Run.Trigger.MANUAL,
        selection=selection,
        selection_label=label,
        with_sessions=True,
    )
    if request.htmx:
        return run_window(request, run, started=started)
    if started:
        messages.success(request, f"Get Results started for {label}.")
    else:
        messages.info(request, "Get Results is already running: this is its progress.")
    return redirect("bksb:management")
