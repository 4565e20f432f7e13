"""Match learners (Management > BKSB), its review page and Link selected, and Find in bksb on a record's tab.

Probing and linking many records run on the workers (sync/matching.py,
accounts/match_links.py) with the job window; the one thing done inside a
request is linking one record from its Find in bksb answer, which is Apply
with that name (one bksb request, with the tab's short time limits).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from bksb_integration.accounts.eligibility import unlinked_learners
from bksb_integration.accounts.linking import is_linked
from bksb_integration.api.errors import BksbAuthError
from bksb_integration.config.connection import REQUEST_CLIENT_OPTIONS, BksbNotReady, bksb_client
from bksb_integration.matching import match_job as matching
from bksb_integration.matching.links_job import match_links_start
from bksb_integration.matching.suggestions import suggestion_link
from bksb_integration.models import BksbSettings, MatchSuggestion
from jobs.bounds import selection_cap_refusal, waiting_job_refusal
from jobs.models import Job, JobItem
from jobs.views import job_started_response
from learners.caseload import caseload_q, within_caseload
from learners.models import Learner
from learners.selection import learners_selected
from permissions import access
from permissions.access import AnyUser
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

REVIEW_PAGE_SIZE = 100
RECENT_RUNS = 10
# The review's lists of records without a suggestion: each outcome, its query-string page name, and what it means.
UNSUGGESTED = (
    (
        matching.NONE,
        "none_page",
        "bksb has no user under any of these records' candidate usernames: create their bksb users "
        "(Management > BKSB > Unmatched), or correct the record and look again.",
    ),
    (
        matching.INCOMPLETE,
        "incomplete_page",
        "bksb could not be asked about every candidate of these records: run the match again for them.",
    ),
)


def _run(request: HttpRequest, job_id: int) -> Job:
    run = get_object_or_404(Job.objects.select_related("started_by"), pk=job_id, kind=matching.KIND)
    if caseload_q(request.user) is not None and run.started_by_id != request.user.pk:
        raise Http404("No such run.")  # another's run names records outside a caseload
    return run


@bksb_view(access.can_link_records)
@require_GET
def match_page(request: HttpRequest) -> HttpResponse:
    """Management > BKSB > Match learners: how many records are unlinked, the button, and recent runs."""
    settings = BksbSettings.load()
    unlinked = within_caseload(unlinked_learners(settings=settings, today=timezone.localdate()), request.user).count()
    runs = Job.objects.filter(kind=matching.KIND).select_related("started_by").order_by("-pk")
    if caseload_q(request.user) is not None:
        runs = runs.filter(started_by_id=request.user.pk)  # others' runs name records outside the caseload
    runs = runs[:RECENT_RUNS]
    context = {"unlinked": unlinked, "runs": runs, "settings": settings}
    return render(request, "bksb_integration/matching/match.html", context)


@sensitive_variables()
@bksb_view(access.can_link_records)
@require_POST
def match_start(request: StaffRequest) -> HttpResponse:
    """Start a run for every unlinked eligible record, or for the records the learner list sends."""
    selection = "learner" in request.POST or "scope" in request.POST
    ids = _selected_unlinked(request) if selection else _caseload_only(matching.unlinked_ids(), request.user)
    if not ids:
        messages.info(request, "There is no unlinked record to look for in bksb.")
        return _back(request)
    # Every unlinked record (the Match page's button) is what the run is for; a selection has a cap.
    cap = django_settings.BKSB_SELECTION_MAX_RECORDS if selection else len(ids)
    refusal = waiting_job_refusal(kind=matching.KIND, what="Match in bksb", started_by=request.user)
    refusal = refusal or selection_cap_refusal(
        count=len(ids), cap=cap, what="Match in bksb", command="python manage.py bksb_match --all"
    )
    if refusal:
        messages.error(request, refusal)
        return _back(request)
    try:
        job = matching.bksb_match_start(learner_ids=ids, started_by=request.user)
    except BksbNotReady as exc:
        messages.error(request, str(exc))
        return _back(request)
    return job_started_response(request, job)


def _caseload_only(ids: list[int], user: AnyUser) -> list[int]:
    """These records, but only those of this person's caseload when they are restricted to one."""
    if caseload_q(user) is None:
        return ids
    return list(within_caseload(Learner.objects.filter(pk__in=ids), user).values_list("pk", flat=True))


def _selected_unlinked(request: StaffRequest) -> list[int]:
    """The learner list's ticked records (or all matching its filter) that are not linked yet."""
    chosen = learners_selected(request.POST, request.user).exclude(
        bksb_user=True, bksb_link__bksb_user_id__isnull=False
    )
    return list(chosen.values_list("pk", flat=True))


def _back(request: StaffRequest) -> HttpResponse:
    target = reverse("learners:list") if "learner" in request.POST or "scope" in request.POST else reverse("bksb:match")
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@dataclass
class ReviewRow:
    learner: Learner
    suggestions: list[MatchSuggestion]
    linked: bool


@bksb_view(access.can_link_records)
@require_GET
def match_review(request: HttpRequest, job_id: int) -> HttpResponse:
    """One row per record with suggestions: tick the ones to accept, then Link selected."""
    run = _run(request, job_id)
    learner_ids = (
        MatchSuggestion.objects.filter(job=run)
        .order_by("learner__last_name", "learner__first_name", "learner__learner_ref")
        .values_list("learner_id", flat=True)
        .distinct()
    )
    page = Paginator(list(dict.fromkeys(learner_ids)), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _review_rows(run, list(page.object_list))
    context = {
        "run": run,
        "rows": rows,
        "page": page,
        "counts": _outcome_counts(run),
        "unsuggested": [_unsuggested(run, request, *each) for each in UNSUGGESTED],
    }
    return render(request, "bksb_integration/matching/review.html", context)


@dataclass
class UnsuggestedList:
    """One outcome's records (a page of them), named, with what the outcome means."""

    outcome: str
    label: str
    meaning: str
    page_param: str
    page: Page[JobItem]
    lines: list[tuple[JobItem, Learner | None]]


def _unsuggested(run: Job, request: HttpRequest, outcome: str, page_param: str, meaning: str) -> UnsuggestedList:
    """The run's records with this outcome, in the run's (reference) order, a page at a time: three queries."""
    items = JobItem.objects.filter(job=run, outcome=outcome).order_by("position")
    page = Paginator(items, REVIEW_PAGE_SIZE).get_page(request.GET.get(page_param))
    shown = list(page.object_list)
    learners = Learner.objects.in_bulk([item.subject_id for item in shown if item.subject_id])
    lines = [(item, learners.get(item.subject_id or 0)) for item in shown]
    return UnsuggestedList(outcome, matching.LABELS[outcome], meaning, page_param, page, lines)


def _review_rows(run: Job, learner_ids: list[int]) -> list[ReviewRow]:
    learners = Learner.objects.select_related("bksb_link").in_bulk(learner_ids)
    found: dict[int, list[MatchSuggestion]] = {}
    rows = MatchSuggestion.objects.filter(job=run, learner_id__in=learner_ids).select_related("held_by")
    for suggestion in rows.order_by("position"):
        found.setdefault(suggestion.learner_id, []).append(suggestion)
    return [ReviewRow(learners[pk], found.get(pk, []), is_linked(learners[pk])) for pk in learner_ids if pk in learners]


def _outcome_counts(run: Job) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for outcome in JobItem.objects.filter(job=run).values_list("outcome", flat=True):
        counts[outcome] = counts.get(outcome, 0) + 1
    return [(label, counts[code]) for code, label in matching.LABELS.items() if counts.get(code)]


@sensitive_variables()
@bksb_view(access.can_link_records)
@require_POST
def match_link(request: StaffRequest, job_id: int) -> HttpResponse:
    """Link selected: link the ticked suggestions on the workers (at most one per record)."""
    run = _run(request, job_id)
    picked = [int(v) for v in request.POST.getlist("pick") if v.isdigit()]
    rows = list(MatchSuggestion.objects.filter(job=run, pk__in=picked).values_list("pk", "learner_id"))
    per_record: dict[int, int] = {}
    for _, learner_id in rows:
        per_record[learner_id] = per_record.get(learner_id, 0) + 1
    doubled = [learner_id for learner_id, n in per_record.items() if n > 1]
    if doubled:
        refs = Learner.objects.filter(pk__in=doubled).order_by("learner_ref").values_list("learner_ref", flat=True)
        messages.error(
            request,
            f"Tick one bksb user per record: more than one is ticked for {', '.join(refs)}. Nothing was linked.",
        )
        return _to_review(request, run)
    if not rows:
        messages.error(request, "Tick the suggestions to link first.")
        return _to_review(request, run)
    job = match_links_start(run=run, suggestion_ids=[pk for pk, _ in rows], started_by=request.user)
    return job_started_response(request, job)


def _to_review(request: StaffRequest, run: Job) -> HttpResponse:
    page = request.POST.get("page", "")
    back = reverse("bksb:match_review", args=[run.pk]) + (f"?page={page}" if page.isdigit() else "")
    return HttpResponseClientRedirect(back) if request.htmx else redirect(back)


@sensitive_variables()
@bksb_view(access.can_link_records)
@require_POST
def find_in_bksb(request: StaffRequest, pk: int) -> HttpResponse:
    """Find in bksb on a record's tab: probe its candidates on the workers; the window lists what exists."""
    learner = get_object_or_404(Learner, pk=pk)
    try:
        job = matching.bksb_match_start(learner_ids=[learner.pk], started_by=request.user, trigger="find")
    except BksbNotReady as exc:
        messages.error(request, str(exc))
        return HttpResponseClientRedirect(reverse("bksb:tab", args=[pk])) if request.htmx else redirect("bksb:tab", pk)
    return job_started_response(request, job)


@sensitive_variables()
@bksb_view(access.can_link_records)
@require_POST
def match_link_one(request: StaffRequest, suggestion_id: int) -> HttpResponse:
    """Link, from Find in bksb's answer: Apply with that name, checked in bksb again."""
    suggestion = get_object_or_404(
        MatchSuggestion.objects.select_related("learner__web_user__user", "learner__bksb_link"), pk=suggestion_id
    )
    learner = suggestion.learner
    try:
        with bksb_client(**REQUEST_CLIENT_OPTIONS) as client:
            result = suggestion_link(
                learner=learner,
                username=suggestion.username,
                client=client,
                reason=f"{matching.match_reason(suggestion.job)}: Find in bksb",
                by=request.user,
            )
    except BksbNotReady as exc:
        messages.error(request, str(exc))
    except BksbAuthError:
        messages.error(request, "bksb refused the key: check the Access Key ID and Secret Access Key.")
    else:
        (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("bksb:tab", learner.pk)
