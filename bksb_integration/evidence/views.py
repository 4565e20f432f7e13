"""Evidence packs: one record's PDF from its BKSB tab, or many as a zip made by a job from the learner list."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
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
from jobs.selectors import job_for_user
from jobs.views import job_started_response
from learners.models import Learner
from learners.selection import learners_selected, selection_confirm, selection_step
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view


@bksb_view(access.can_see_bksb_records)
@require_POST
def evidence_pack(request: StaffRequest, pk: int) -> HttpResponse:
    """The record's evidence pack as a PDF download; making it is recorded in the audit trail."""
    learner = get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)
    content = evidence_content(learner=learner, made_by=request.user)
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
    job = job_for_user(user=request.user, job_id=job_id)
    path = evidence_zip_path(job)
    if job.kind != KIND or job.started_by_id != request.user.pk or not path.exists():
        raise Http404("No such evidence packs.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"evidence-packs-{job.pk}.zip")
