"""Evidence packs: one record's PDF from its BKSB tab, many as a zip made by a job from the learner list, and the
auditor's sample pack (Management > BKSB > Audit sample)."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from bksb_integration.evidence.bounds import evidence_packs_refusal
from bksb_integration.evidence.pack import evidence_content, evidence_pack_record
from bksb_integration.evidence.packs_job import (
    KIND,
    EvidencePacksRefused,
    evidence_packs_start,
    evidence_zip_path,
    pack_filename,
)
from bksb_integration.evidence.pdf import evidence_pdf
from bksb_integration.evidence.sample import SampleChoice, cohort_sample, references_resolve, seed_new
from bksb_integration.evidence.sample_forms import SampleDrawForm, SampleListForm
from bksb_integration.evidence.sample_job import KIND as SAMPLE_KIND
from bksb_integration.evidence.sample_job import audit_sample_start
from bksb_integration.levels.views.reports import cohort_form_context
from jobs.views import job_file_response, job_started_response
from learners.caseload import caseload_learners
from learners.filter_chips import filter_chips
from learners.listing import list_filter
from learners.models import Learner
from learners.selection import learners_selected, selection_confirm, selection_step
from learners.selectors import LearnerFilters, learner_filters_from, learner_search
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

# The Audit sample page's two forms, told apart by their `mode`.
LIST, DRAW = "list", "draw"


@bksb_view(access.can_see_bksb_records)
@require_POST
def evidence_pack(request: StaffRequest, pk: int) -> HttpResponse:
    """The record's evidence pack as a PDF download; making it is recorded in the audit trail."""
    learner = get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)
    content = evidence_content(
        learner=learner, made_by=request.user, with_attainment=access.can_view_prior_attainment(request.user)
    )
    pdf = evidence_pdf(content)
    evidence_pack_record(content=content, made_by=request.user, in_bulk=False)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pack_filename(learner)}"'
    return response


@bksb_view(access.can_see_bksb_records)
@require_POST
def evidence_packs(request: StaffRequest) -> HttpResponse:
    """Evidence packs for the ticked records, or all matching the list's filters: a job with a window.

    A step first says how many records that is (and whether it is too many), then Start queues the job.
    """
    learners = learners_selected(request.POST, request.user)
    count = learners.count()
    if not count:
        messages.error(request, "Select the learners or applicants to make evidence packs for.")
        if request.htmx:
            return HttpResponseClientRedirect(reverse("learners:list"))
        return redirect("learners:list")
    refusal = evidence_packs_refusal(kind=KIND, count=count, started_by=request.user)
    step = selection_confirm(request, action="Evidence packs", count=count, refusal=refusal)
    if step is not None:
        return step
    try:
        job = evidence_packs_start(learners=learners, started_by=request.user)
    except EvidencePacksRefused as refused:
        return selection_step(request, action="Evidence packs", count=count, refusal=str(refused))
    return job_started_response(request, job)


@bksb_view(access.can_see_bksb_records)
@require_GET
def evidence_packs_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The job's zip, for the person who started it."""
    return job_file_response(
        request, job_id=job_id, kind=KIND, path_of=evidence_zip_path, filename="evidence-packs-{job.pk}.zip",
        what="evidence packs",
    )  # fmt: skip


@bksb_view(access.can_see_bksb_records)
@require_http_methods(["GET", "POST"])
def audit_sample(request: StaffRequest) -> HttpResponse:
    """Management > BKSB > Audit sample: a pasted list, or N drawn from a cohort with a seed; the page lists who is
    in it and what matched nothing, then Start (confirmed) makes the zip as a job."""
    by_uln = access.can_view_prior_attainment(request.user)
    posted = request.POST if request.method == "POST" else None
    mode = request.POST.get("mode", "") if posted else ""
    filters = learner_filters_from(request.POST if mode == DRAW else request.GET, request.user)
    list_form = SampleListForm(posted if mode == LIST else None, by_uln=by_uln)
    draw_form = SampleDrawForm(posted if mode == DRAW else None, initial={"seed": seed_new()})
    among = caseload_learners(request.user)
    choice, cohort = _choice(mode, list_form, draw_form, filters, by_uln=by_uln, among=among)
    problem = ""
    if choice is not None and request.POST.get("confirmed"):
        try:
            job = audit_sample_start(choice=choice, started_by=request.user, cohort=cohort)
        except EvidencePacksRefused as refused:
            problem = str(refused)
            if request.htmx:  # Start aimed at the window's slot: say why on the page itself
                messages.error(request, problem)
                return HttpResponseClientRedirect(reverse("bksb:audit_sample"))
        else:
            return job_started_response(request, job)
    context = {
        **cohort_form_context(filters, request.user),
        "list_form": list_form,
        "draw_form": draw_form,
        "mode": mode,
        "choice": choice,
        "cohort": cohort,
        "problem": problem or (_refusal(choice, request.user) if choice is not None else ""),
        "by_uln": by_uln,
        "start_fields": _start_fields(mode, list_form, draw_form, filters),
    }
    return render(request, "bksb_integration/evidence/audit_sample.html", context)


def _choice(
    mode: str,
    list_form: SampleListForm,
    draw_form: SampleDrawForm,
    filters: LearnerFilters,
    *,
    by_uln: bool,
    among: QuerySet[Learner] | None,
) -> tuple[SampleChoice | None, str]:
    """The sample the posted form asks for, and its cohort in words (a draw); (None, "") until a form is valid."""
    if mode == LIST and list_form.is_valid():
        return references_resolve(text=list_form.cleaned_data["references"], by_uln=by_uln, among=among), ""
    if mode == DRAW and draw_form.is_valid() and not filters.problems:
        cohort = learner_search(filters=replace(filters, sort=""))
        choice = cohort_sample(
            learners=cohort, size=draw_form.cleaned_data["size"], seed=draw_form.cleaned_data["seed"]
        )
        return choice, _cohort_words(filters)
    return None, ""


def _cohort_words(filters: LearnerFilters) -> str:
    """The cohort's filters in words, as the list's chips name them: for the cover."""
    registered = [
        (chosen, value, chosen.choices())
        for param, value in filters.extra
        if (chosen := list_filter(param)) is not None
    ]
    chips = filter_chips(filters=replace(filters, sort=""), registered=registered)
    words = [f"{chip.label}: {chip.value}" for chip in chips]
    if filters.query:
        words.insert(0, f"Search: {filters.query}")
    return "; ".join(words) or "every record"


def _refusal(choice: SampleChoice, user: User) -> str:
    """Why Start would be refused now (shown before it is pressed), or ''."""
    if not choice.learners:
        return "No record matches: there is nothing to put in an audit sample."
    return evidence_packs_refusal(kind=SAMPLE_KIND, count=len(choice.learners), started_by=user)


def _start_fields(
    mode: str, list_form: SampleListForm, draw_form: SampleDrawForm, filters: LearnerFilters
) -> list[tuple[str, str]]:
    """The checked form's values again, for Start to post: the same list, or the same cohort, size and seed."""
    if mode == LIST and list_form.is_valid():
        return [("mode", LIST), ("references", list_form.cleaned_data["references"])]
    if mode == DRAW and draw_form.is_valid():
        params = replace(filters, sort="").as_params()
        return [
            ("mode", DRAW),
            *params.items(),
            ("size", str(draw_form.cleaned_data["size"])),
            ("seed", str(draw_form.cleaned_data["seed"])),
        ]
    return []


@bksb_view(access.can_see_bksb_records)
@require_GET
def audit_sample_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The audit sample's zip, for the person who made it."""
    return job_file_response(
        request, job_id=job_id, kind=SAMPLE_KIND, path_of=evidence_zip_path, filename="audit-sample-{job.pk}.zip",
        what="audit sample",
    )  # fmt: skip
