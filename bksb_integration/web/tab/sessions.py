"""The BKSB tab's assessment sessions, skills profile and watch control.

The sessions section is part of the tab's results section (tab_results.html);
Watch and Stop watching are plain forms.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.accounts.eligibility import bksb_results_block
from bksb_integration.api.client import ClientOptions
from bksb_integration.api.errors import BksbError
from bksb_integration.config.connection import REQUEST_CLIENT_OPTIONS, BksbNotReady, bksb_client
from bksb_integration.models import AssessmentSession, BksbSettings, WatchEntry
from bksb_integration.results.rushed import RushedThresholds
from bksb_integration.results.sessions import learner_sessions
from bksb_integration.results.skills_export import skills_csv_lines, skills_filename
from bksb_integration.sync.budget import CountingThrottle, shared_throttle
from bksb_integration.sync.skills_backfill import session_skills_read
from bksb_integration.sync.watch import watch_add, watch_stop
from learners.caseload import caseload_learners
from learners.models import Learner
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view


def sessions_context(learner: Learner, settings: BksbSettings) -> dict[str, Any]:
    """What the tab's results section shows of the learner's sessions and skills (two queries)."""
    return {"v5": learner_sessions(learner=learner, thresholds=RushedThresholds.load(settings))}


def watch_entry(learner: Learner) -> WatchEntry | None:
    """The learner's place on the watch list, for the Watch control (one query)."""
    return WatchEntry.objects.filter(learner=learner).first()


@bksb_view(access.can_watch)
@require_POST
def watch(request: StaffRequest, pk: int) -> HttpResponse:
    """Watch: poll this record every few minutes until its initial assessments are in; or stop."""
    learner = get_object_or_404(Learner, pk=pk)
    if request.POST.get("action") == "stop":
        if watch_stop(learner=learner):
            messages.success(request, "Stopped watching this record: the nightly run picks up its results.")
        return redirect("bksb:tab", pk=learner.pk)
    block = bksb_results_block(learner=learner)
    if block is not None:
        messages.error(request, f"This record cannot be watched: its results cannot be downloaded. {block.reason}")
        return redirect("bksb:tab", pk=learner.pk)
    watch_add(learner=learner, by=request.user)
    settings = BksbSettings.load()
    messages.success(
        request,
        f"Watching this record: it is polled every {settings.watch_interval_minutes} minutes between "
        f"{settings.watch_hours_start:%H:%M} and {settings.watch_hours_end:%H:%M} (UK time) until its English "
        "and maths initial assessments are in.",
    )
    return redirect("bksb:tab", pk=learner.pk)


@bksb_view(access.can_watch)
@require_POST
def session_skills(request: StaffRequest, pk: int, session_pk: int) -> HttpResponse:
    """Read a finished session's skills report now, when the download left it for the backfill.

    One request to bksb, on the budget every worker shares; asked when staff open the
    session on the BKSB tab (htmx), or with its button.
    """
    session = get_object_or_404(AssessmentSession, pk=session_pk, learner_id=pk)
    problem = ""
    settings = BksbSettings.load()
    options: ClientOptions = {
        **REQUEST_CLIENT_OPTIONS,
        "throttle": CountingThrottle(shared_throttle(rate=settings.requests_per_second)),
    }
    try:
        with bksb_client(settings, **options) as client:
            session_skills_read(session=session, client=client)
    except BksbNotReady as exc:
        problem = str(exc)
    except BksbError as exc:
        problem = f"bksb could not give the skills report now ({exc.message}); it is read later."
    session.refresh_from_db()
    if request.htmx:
        context = {"session": session, "problem": problem, "learner_id": pk}
        return render(request, "bksb_integration/tab/_session_skills.html", context)
    if problem:
        messages.error(request, problem)
    return redirect("bksb:tab", pk=pk)


def _skills_csv(learner: Learner | None, among: QuerySet[Learner] | None = None) -> StreamingHttpResponse:
    lines = skills_csv_lines(learner=learner, among=among)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{skills_filename(learner=learner)}"'
    return response


@bksb_view(access.can_see_bksb_records)
@require_GET
def export_learner_skills(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """A learner's sessions and skills as CSV."""
    return _skills_csv(get_object_or_404(Learner, pk=pk))


@bksb_view(access.can_see_bksb_records)
@require_GET
def export_all_skills(request: HttpRequest) -> StreamingHttpResponse:
    """Every stored session and skill as CSV."""
    return _skills_csv(None, caseload_learners(request.user))
