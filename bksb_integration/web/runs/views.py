"""Management > BKSB: Get Results for every eligible learner, its window, the schedule and run history.

Get Results is a plain form: with htmx it opens the BKSB Results window,
which polls the run's status; without JavaScript the management page shows
the same status and refreshes itself while the run is going.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.accounts.eligibility import eligible_learners, skipped_counts
from bksb_integration.config.connection import bksb_readiness
from bksb_integration.induction.views.watch_settings import watch_schedule_context
from bksb_integration.models import BksbSettings, Run, RunLearner
from bksb_integration.sync.estimate import population_estimate, runs_first_downloads
from bksb_integration.sync.get_results import get_results_active, get_results_resume, get_results_start
from bksb_integration.sync.progress import run_progress, run_stall
from bksb_integration.sync.runs import run_giving_way
from bksb_integration.sync.schedule import nightly_schedule_get, nightly_schedule_set
from bksb_integration.web.runs.display import (
    RunRow,
    learners_text,
    skipped_reasons,
    started_by_label,
    time_left_text,
)
from bksb_integration.web.runs.forms import NightlyScheduleForm
from bksb_integration.web.tab.views import bksb_results_status
from learners.caseload import CASELOAD_REFUSAL, caseload_q
from learners.models import Learner, LearningStatus
from permissions import access
from permissions.access import AnyUser
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

FAILURES_SHOWN = 20
HISTORY_PAGE = 25
FAILURES_PAGE = 50
# Sent by the status partial once the run is over (and by its window when closed): the page's run panel redraws.
RUN_FINISHED = "bksbRunFinished"


def _status_context(run: Run) -> dict[str, Any]:
    """What the BKSB Results window shows about a run."""
    now = timezone.now()
    failures = list(
        RunLearner.objects.filter(run=run, status=RunLearner.Status.FAILED)
        .select_related("learner")
        .order_by("-finished_at", "-pk")[:FAILURES_SHOWN]
    )
    progress, stall = run_progress(run), run_stall(run)
    return {
        "run": run,
        "progress": progress.label,
        "learners": learners_text(run),
        "downloaded": run.learners_done - run.learners_failed - run.learners_unmatched,
        "percent": progress.percent,
        "time_left": time_left_text(run, now, rate=BksbSettings.load().requests_per_second),
        "failures": failures,
        "failures_more": max(0, run.learners_failed - len(failures)),
        "skipped": skipped_reasons(run.skipped_reasons),
        "started_by": started_by_label(run),
        "stalled": stall.reason if stall else "",
        "giving_way": run_giving_way(run, rate=BksbSettings.load().requests_per_second),
        "polling": not run.is_finished,
        "finished": run.is_finished,  # what the one status frame (includes/progress_status.html) reads
    }


def _run_panel_context(settings: BksbSettings) -> dict[str, Any]:
    """The page's "current or last run" panel."""
    active = get_results_active()
    last = active or Run.objects.filter(kind=Run.Kind.GET_RESULTS).select_related("started_by").order_by("-pk").first()
    context = _status_context(last) if last else {}
    readiness = bksb_readiness(settings)
    return {**context, "settings": settings, "readiness": readiness, "active": active, "last": last}


@bksb_view(access.can_get_results_for_all)
@require_GET
def management(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    today = timezone.localdate()
    schedule = nightly_schedule_get()
    eligible, first_downloads, estimate = population_estimate(
        learners=eligible_learners(settings=settings, today=today), rate=settings.requests_per_second
    )
    context = {
        **_run_panel_context(settings),
        "eligible": eligible,
        "first_downloads": first_downloads,
        "estimate": estimate,
        "skipped_now": skipped_reasons(skipped_counts(settings=settings, today=today)),
        "statuses": [label for value, label in LearningStatus.choices if value in settings.eligible_learning_statuses],
        "schedule": schedule,
        "schedule_form": NightlyScheduleForm.for_schedule(schedule),
    }
    return render(request, "bksb_integration/runs/management.html", context)


@bksb_view(access.can_get_results_for_all)
@require_GET
def run_panel(request: HttpRequest) -> HttpResponse:
    """The management page's run panel alone, redrawn when a run finishes or its window closes."""
    context = _run_panel_context(BksbSettings.load())
    return render(request, "bksb_integration/runs/_run_panel.html", context)


@bksb_view(access.can_get_results_for_all)
@require_POST
def get_results(request: StaffRequest) -> HttpResponse:
    if caseload_q(request.user) is not None:
        # Get Results for everyone acts on records outside a caseload: theirs is Get Results for a selection.
        reason = CASELOAD_REFUSAL
        if request.htmx:
            return run_refused(request, reason)
        messages.error(request, reason)
        return redirect("bksb:management")
    readiness = bksb_readiness()
    if not readiness.ready:
        if request.htmx:
            return run_refused(request, readiness.reason)
        messages.error(request, readiness.reason)
        return redirect("bksb:management")
    run, started = get_results_start(started_by=request.user, trigger=Run.Trigger.MANUAL)
    if request.htmx:
        return run_window(request, run, started=started)
    if started:
        messages.success(request, "Get Results started for every eligible learner.")
    else:
        messages.info(request, "Get Results is already running: this is its progress.")
    return redirect("bksb:management")


def run_window(request: HttpRequest, run: Run, *, started: bool) -> HttpResponse:
    """The BKSB Results window of a Get Results run (the one started, or the one already running)."""
    run.refresh_from_db()
    return render(request, "bksb_integration/runs/window.html", {**_status_context(run), "started": started})


def run_refused(request: HttpRequest, reason: str) -> HttpResponse:
    """The window saying why no run could start (bksb not ready)."""
    return render(request, "bksb_integration/runs/window.html", {"refused": reason})


@bksb_view(access.can_get_results_for_all)
@require_POST
def resume(request: StaffRequest, run_id: int) -> HttpResponse:
    """Resume a Get Results run that stopped (bksb unavailable, or the key refused): try who it did not reach."""
    readiness = bksb_readiness()
    if not readiness.ready:
        messages.error(request, readiness.reason)
    elif get_results_resume(run_id=run_id):
        messages.success(request, "Get Results resumed: the learners it did not reach are being downloaded.")
    else:
        messages.info(request, "That run cannot be resumed now: another Get Results is running, or it has not stopped.")
    return redirect("bksb:management")


@bksb_view(access.can_follow_downloads)
@require_GET
def run_status(request: HttpRequest, run_id: int) -> HttpResponseBase:
    """Any download run's status part, at the one status address (`jobs:status` with work "run", registered in
    apps.py): a learner's BKSB Results, or Get Results and the other runs; each asks its own right."""
    kind = Run.objects.filter(pk=run_id).values_list("kind", flat=True).first()
    if kind is None:
        raise Http404("No such run.")
    if kind == Run.Kind.BKSB_RESULTS:
        return bksb_results_status(request, run_id)
    return get_results_status(request, run_id)


@bksb_view(access.can_get_results_for_all)
@require_GET
def get_results_status(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.select_related("started_by"), pk=run_id)
    response = render(request, "bksb_integration/runs/_status.html", _status_context(run))
    if run.is_finished:
        response["HX-Trigger"] = RUN_FINISHED
    return response


def _runs(kind: str) -> QuerySet[Run]:
    runs = Run.objects.select_related("started_by").order_by("-created_at", "-pk")
    return runs.filter(kind=kind) if kind in Run.Kind.values else runs


def _single_learners(run_ids: list[int], user: AnyUser) -> dict[int, Learner]:
    """The learner of each single-learner run this person may see (their caseload, when they have one), one query."""
    parts = RunLearner.objects.filter(run_id__in=run_ids).select_related("learner")
    among = caseload_q(user)
    if among is not None:
        parts = parts.filter(learner__in=Learner.objects.filter(among))
    return {part.run_id: part.learner for part in parts}


@bksb_view(access.can_get_results_for_all)
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    page = Paginator(_runs(kind), HISTORY_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    singles = _single_learners([run.pk for run in page if run.kind == Run.Kind.BKSB_RESULTS], request.user)
    rate = BksbSettings.load().requests_per_second
    first = runs_first_downloads(run_ids=[run.pk for run in page if not run.is_finished])
    context = {
        "page": page,
        "rows": [
            RunRow.of(run, now, learner=singles.get(run.pk), rate=rate, first_downloads=first.get(run.pk, 0))
            for run in page
        ],
        "kind": kind if kind in Run.Kind.values else "",
        "kinds": Run.Kind.choices,
        "querystring": f"kind={kind}" if kind in Run.Kind.values else "",
    }
    return render(request, "bksb_integration/runs/history.html", context)


@bksb_view(access.can_get_results_for_all)
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.select_related("started_by"), pk=run_id)
    among = caseload_q(request.user)  # names only of the caseload's records, for those restricted to one
    parts = (
        RunLearner.objects.filter(run=run)
        if among is None
        else RunLearner.objects.filter(run=run, learner__in=Learner.objects.filter(among))
    )
    failed = (
        parts.filter(status=RunLearner.Status.FAILED)
        .select_related("learner")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )
    single = None
    if run.kind == Run.Kind.BKSB_RESULTS:
        single = parts.select_related("learner").first()
    context = {
        "row": RunRow.of(run, timezone.now(), learner=single.learner if single else None),
        "run": run,
        "single": single,
        "skipped": skipped_reasons(run.skipped_reasons),
        "page": Paginator(failed, FAILURES_PAGE).get_page(request.GET.get("page")),
        "status": _status_context(run) if not run.is_finished else None,
    }
    return render(request, "bksb_integration/runs/history_run.html", context)


@bksb_view(access.can_manage_bksb_settings)
def schedule(request: HttpRequest) -> HttpResponse:
    current = nightly_schedule_get()
    form = NightlyScheduleForm.for_schedule(current, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = nightly_schedule_set(enabled=form.cleaned_data["enabled"], at=form.cleaned_data["at"])
        if saved.enabled:
            messages.success(request, f"Get Results will run every night at {saved.at:%H:%M} (UK time).")
        else:
            messages.success(request, "The nightly Get Results is switched off.")
        return redirect("bksb:management")
    status = 400 if form.errors else 200
    context = {"form": form, "schedule": current, **watch_schedule_context()}
    return render(request, "bksb_integration/runs/schedule.html", context, status=status)
