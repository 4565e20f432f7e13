"""A learner's BKSB tab: the link, the BKSB Results window, Re-download all, CSV export.

Every action is a plain form or link; htmx only makes the results window live
and refreshes the results section in place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.accounts.eligibility import bksb_results_block
from bksb_integration.accounts.linking import BksbNeeded, LinkError, LinkOutcome, download_reset, is_linked, link_apply
from bksb_integration.accounts.usernames import username_in_effect, web_user_of
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbError
from bksb_integration.config.connection import REQUEST_CLIENT_OPTIONS, BksbNotReady, bksb_client
from bksb_integration.decisions.views.tab_section import decisions_context, with_judgements
from bksb_integration.evidence.pack import evidence_pack_latest
from bksb_integration.induction.status_read import assessment_status
from bksb_integration.levels.funding import Thresholds, decisions_of
from bksb_integration.levels.learner_results import learner_results, subject_summary
from bksb_integration.levels.queries import levels_for, tags_for
from bksb_integration.models import BksbLink, BksbSettings, Decision, Judgement, Run, RunLearner
from bksb_integration.results.export import csv_lines, export_filename
from bksb_integration.results.tables_doc import tables_documentation
from bksb_integration.sync.download import failure_message
from bksb_integration.sync.progress import ACTIVE, run_progress, run_stall
from bksb_integration.sync.runs import bksb_results_start
from bksb_integration.web.tab.forms import LinkForm
from bksb_integration.web.tab.result_tables import lists_shown_whole, result_tables, whole_query
from bksb_integration.web.tab.sessions import sessions_context, watch_entry
from learners.caseload import caseload_learners, in_caseload
from learners.models import Learner
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

RESULTS_CHANGED = "bksbResultsChanged"


can_see_tab = access.on_record(access.can_see_bksb)
can_edit_link = access.on_record(access.can_edit_bksb_link)
can_get_results = access.on_record(access.can_get_bksb_results)
can_reset = access.on_record(access.can_reset_bksb_download)


def _learner(pk: int) -> Learner:
    return get_object_or_404(Learner.objects.select_related("web_user__user", "bksb_link"), pk=pk)


def _link(learner: Learner) -> BksbLink | None:
    try:
        return learner.bksb_link
    except BksbLink.DoesNotExist:
        return None


def _status(learner: Learner) -> dict[str, Any]:
    """What the tab says about the link and the last download."""
    link = _link(learner)
    web_user = web_user_of(learner)
    username, source = username_in_effect(learner)
    on_link = link.last_download_at if link else None
    last_download = web_user.bksb_updated if web_user is not None else on_link
    return {
        "link": link,
        "username": username,
        "username_source": source,
        "last_download": last_download,
        "download_block": bksb_results_block(learner=learner),
        "find_offered": not is_linked(learner),  # Find in bksb (matching)
        "watch": watch_entry(learner),
        "latest_pack": evidence_pack_latest(learner=learner),
    }


def _results_context(learner: Learner, request: HttpRequest) -> dict[str, Any]:
    results = learner_results(learner=learner)
    whole = lists_shown_whole(request.GET)
    settings = BksbSettings.load()  # read once: the funding flags' thresholds, the rushed sessions' minutes
    active = (
        RunLearner.objects.filter(learner=learner, run__kind=Run.Kind.BKSB_RESULTS, status__in=ACTIVE)
        .order_by("-pk")
        .values_list("run_id", flat=True)
        .first()
    )
    decisions = decisions_context(learner)
    return {
        "learner": learner,
        "results": results,
        **decisions,
        **levels_context(
            learner,
            may_see_attainment=access.can_view_prior_attainment(request.user),
            settings=settings,
            em_decisions=decisions["latest_decisions"],
            judgements=decisions["latest_judgements"],
        ),
        "assessment": assessment_status(learner=learner),
        "tables": result_tables(results, whole),
        "whole_query": whole_query(whole),
        "active_run_id": active,
        **_status(learner),
        **sessions_context(learner, settings),
    }


def levels_context(
    learner: Learner,
    *,
    may_see_attainment: bool,
    settings: BksbSettings,
    em_decisions: dict[str, Decision] | None = None,
    judgements: dict[str, Judgement] | None = None,
) -> dict[str, Any]:
    """The tab's levels by subject (each beside its latest judgement), tags and funding flags, each naming the
    facts it rests on (five queries, six without the latest English and maths decisions); prior attainment facts,
    and the flags withheld for them, only for staff with View prior attainment."""
    levels = levels_for([learner.pk]).get(learner.pk, {})
    decisions = decisions_of(learner, levels, Thresholds.load(settings), em_decisions=em_decisions)
    return {
        "summary": with_judgements(subject_summary(levels), judgements or {}),
        "level_rows": [levels[subject] for subject in sorted(levels)],
        "level_tags": tags_for([learner.pk]).get(learner.pk, []),
        "funding_flags": [
            (raised.label, raised.rests_on_for(may_see_attainment=may_see_attainment)) for raised in decisions.raised
        ],
        "flags_withheld": decisions.withheld if may_see_attainment else [],
    }


def _tab_page(request: HttpRequest, learner: Learner, **extra: Any) -> HttpResponse:
    status = extra.pop("status", 200)
    form = extra.pop("form", None) or LinkForm(
        initial={"bksb_user": learner.bksb_user, "bksb_username": learner.bksb_username}
    )
    context = {"tab": "bksb", "form": form, **_results_context(learner, request), **extra}
    return render(request, "bksb_integration/tab/tab.html", context, status=status)


@bksb_view(can_see_tab)
@require_GET
def tab(request: HttpRequest, pk: int) -> HttpResponse:
    return _tab_page(request, _learner(pk))


@bksb_view(can_see_tab)
@require_GET
def tab_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The status and results section alone, refreshed in place after a download."""
    return render(request, "bksb_integration/tab/results.html", _results_context(_learner(pk), request))


@sensitive_variables()  # bksb is called with the secret below this view
@bksb_view(can_edit_link)
@require_POST
def link(request: StaffRequest, pk: int) -> HttpResponse:
    """Apply BKSB User and BKSB Username, resolving the name in bksb."""
    learner = _learner(pk)
    form = LinkForm(request.POST)
    outcome = _apply(form, learner) if form.is_valid() else None
    if outcome is not None and outcome.applied:
        if not request.htmx:
            messages.success(request, outcome.message)
            return redirect("bksb:tab", pk=learner.pk)
        fresh = LinkForm(initial={"bksb_user": learner.bksb_user, "bksb_username": learner.bksb_username})
        response = _link_section(request, learner, fresh, applied=outcome.message)
        response["HX-Trigger"] = RESULTS_CHANGED
        return response
    confirm = outcome if outcome is not None and outcome.needs_confirmation else None
    if request.htmx:
        # htmx swaps only 2xx answers: the errors are in the section itself.
        return _link_section(request, learner, form, confirm=confirm)
    return _tab_page(request, learner, form=form, confirm=confirm, status=200 if confirm else 400)


def _apply(form: LinkForm, learner: Learner) -> LinkOutcome | None:
    """link_apply with its failures turned into form errors (None then)."""
    try:
        with bksb_client(**REQUEST_CLIENT_OPTIONS) as client:
            return _link_apply(form, learner, client)
    except BksbNotReady as exc:
        # link_apply needs bksb only to check a name; when it does, say why bksb cannot be asked.
        return _link_apply(form, learner, None, not_ready=str(exc))


def _link_apply(form: LinkForm, learner: Learner, client: BksbClient | None, not_ready: str = "") -> LinkOutcome | None:
    data = form.cleaned_data
    try:
        return link_apply(
            learner=learner,
            bksb_user=data["bksb_user"],
            username=data["bksb_username"],
            client=client,
            confirmed=data["confirmed"],
        )
    except BksbNeeded as exc:
        form.add_error("bksb_username", str(exc))
        if not_ready:
            form.add_error(None, not_ready)
    except LinkError as exc:
        form.add_error("bksb_username", str(exc))
    except BksbError as exc:
        form.add_error(None, failure_message(exc))
    return None


def _link_section(request: HttpRequest, learner: Learner, form: LinkForm, **extra: Any) -> HttpResponse:
    """The link section, and the actions card out of band: Apply can make a download possible or not."""
    context = {"learner": learner, "form": form, **_status(learner), **extra}
    section = render_to_string("bksb_integration/tab/link.html", context, request=request)
    actions = render_to_string("bksb_integration/tab/actions.html", {**context, "oob": True}, request=request)
    return HttpResponse(section + actions)


@bksb_view(can_get_results)
@require_POST
def download(request: StaffRequest, pk: int) -> HttpResponse:
    """Start a download (or attach to the running one) and show the BKSB Results window."""
    learner = _learner(pk)
    block = bksb_results_block(learner=learner)
    if block is not None:
        if request.htmx:
            return render(request, "bksb_integration/tab/_results_window.html", {"learner": learner, "refused": block})
        messages.error(request, block.reason)
        return redirect("bksb:tab", pk=learner.pk)
    with_sessions = request.POST.get("with_sessions") == "1"
    run, started = bksb_results_start(learner=learner, started_by=request.user, with_sessions=with_sessions)
    if not request.htmx:
        return redirect("jobs:status", work="run", pk=run.pk)
    response = _run_response(request, run, "bksb_integration/tab/_results_window.html", started=started)
    # The results section re-reads itself: it shows (and follows) the running download, or its results.
    response["HX-Trigger"] = RESULTS_CHANGED
    return response


@bksb_view(can_get_results)
@require_GET
def bksb_results_status(request: StaffRequest, run_id: int) -> HttpResponse:
    """A learner's BKSB Results run at the one status address (web/runs/views.run_status): the window's live
    part (htmx polls it), or a self-refreshing page without JavaScript."""
    run = get_object_or_404(Run, pk=run_id, kind=Run.Kind.BKSB_RESULTS)
    template = "bksb_integration/runs/_run_status.html" if request.htmx else "bksb_integration/tab/run.html"
    if request.htmx and request.GET.get("closed"):
        # The results section's follower: no window, only the refresh when the run ends.
        template = "bksb_integration/runs/_run_follower.html"
    return _run_response(request, run, template, started=True)


def _run_response(request: StaffRequest, run: Run, template: str, *, started: bool) -> HttpResponse:
    # Read afresh: with an eager (or quick) worker the run may have finished since it was started.
    run.refresh_from_db()
    part = RunLearner.objects.select_related("learner").filter(run=run).first()
    if part is not None and not in_caseload(request.user, part.learner_id):
        raise Http404("No such run.")
    if part is None:
        raise Http404("This run has no learner.")
    stall = run_stall(run, part=part)
    progress = run_progress(run)
    context = {
        "run": run,
        "part": part,
        "learner": part.learner,
        "started": started,
        "progress": progress.label,
        "percent": progress.percent,
        "stalled": stall.reason if stall else "",
        "polling": not run.is_finished and stall is None,
        # What the one status frame (includes/progress_status.html) reads of any kind of work.
        "finished": run.is_finished,
        "bar_label": "Download progress",
    }
    response = render(request, template, context)
    if run.is_finished:
        response["HX-Trigger"] = RESULTS_CHANGED
    return response


@bksb_view(can_reset)
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-download all: the next download reads every page again."""
    learner = _learner(pk)
    download_reset(learner=learner)
    messages.success(request, "The last-download time was cleared: the next download reads every page again.")
    return redirect("bksb:tab", pk=learner.pk)


def _csv_response(learner: Learner | None, among: QuerySet[Learner] | None = None) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(learner=learner, among=among), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(learner=learner)}"'
    return response


@bksb_view(can_see_tab)
@require_GET
def export_learner(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    return _csv_response(get_object_or_404(Learner, pk=pk))


@bksb_view(can_see_tab)
@require_GET
def export_all(request: HttpRequest) -> StreamingHttpResponse:
    return _csv_response(None, caseload_learners(request.user))


@bksb_view(access.can_see_bksb)
@require_GET
def tables(request: HttpRequest) -> HttpResponse:
    """BKSB Tables: every reporting table and column, for people who report with SQL."""
    return render(request, "bksb_integration/settings/tables.html", {"tables": tables_documentation()})
