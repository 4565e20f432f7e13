"""Tools > Retention (the periods and what the next run will do), and a record's Data protection tab
(subject access export, audit hold, erasure on request)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from jobs.views import job_file_response, job_started_response
from learners.models import Learner
from permissions import access
from permissions.decorators import StaffRequest, staff_required
from privacy.anonymise import ANONYMOUS_PREFIX
from privacy.erasure import ErasureRefused, audit_hold_clear, audit_hold_set, learner_erase
from privacy.export_files import KIND, subject_access_zip_path
from privacy.forms import ErasureForm, ReasonForm, RetentionForm
from privacy.models import AnonymisedRecord, AuditHold, PrivacyEvent
from privacy.preview import retention_preview
from privacy.retention import retention_periods, retention_periods_set
from privacy.subject_access_job import SUBJECT_ACCESS_FILENAME, subject_access_start

RUNS_SHOWN = 10
EVENTS_SHOWN = 50


@staff_required(access.can_manage_retention)
def retention(request: StaffRequest) -> HttpResponse:
    """Preview shows what a run would do with the periods typed, changing nothing; Save stores them."""
    form = RetentionForm(request.POST if request.method == "POST" else None, initial=retention_periods())
    previewing = None
    if request.method == "POST" and form.is_valid():
        if "save" in request.POST:
            changed = retention_periods_set(periods=form.periods(), by=request.user)
            messages.success(request, "Retention periods saved." if changed else "Nothing changed.")
            return redirect("privacy:retention")
        previewing = form.periods()
    context = {
        "form": form,
        "previewing": previewing is not None,
        "preview": retention_preview(periods=previewing),
        "runs": PrivacyEvent.objects.filter(action=PrivacyEvent.Action.RETENTION_RUN).select_related("by")[:RUNS_SHOWN],
    }
    return render(request, "privacy/retention.html", context, status=400 if form.errors else 200)


def _record_context(learner: Learner, **forms: Any) -> dict[str, Any]:
    return {
        "learner": learner,
        "tab": "privacy",
        "hold": AuditHold.objects.select_related("set_by").filter(learner=learner).first(),
        "anonymised": AnonymisedRecord.objects.filter(learner=learner).first(),
        "events": PrivacyEvent.objects.filter(record_id=learner.pk).select_related("by")[:EVENTS_SHOWN],
        "hold_form": forms.get("hold_form") or ReasonForm(prefix="hold"),
        "erase_form": forms.get("erase_form") or ErasureForm(prefix="erase"),
    }


@staff_required(access.can_see_privacy)
@require_GET
def record(request: StaffRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner, pk=pk)
    return render(request, "privacy/record.html", _record_context(learner))


@staff_required(access.can_manage_retention)
@require_POST
def hold(request: StaffRequest, pk: int) -> HttpResponse:
    """Set the record's audit hold, or clear it (`clear` posted), with a reason."""
    learner = get_object_or_404(Learner, pk=pk)
    form = ReasonForm(request.POST, prefix="hold")
    if not form.is_valid():
        return render(request, "privacy/record.html", _record_context(learner, hold_form=form), status=400)
    reason = form.cleaned_data["reason"]
    if "clear" in request.POST:
        cleared = audit_hold_clear(learner=learner, reason=reason, by=request.user)
        messages.success(request, "Audit hold cleared." if cleared else "This record had no audit hold.")
    else:
        audit_hold_set(learner=learner, reason=reason, by=request.user)
        messages.success(request, "Audit hold set: no retention run or erasure will touch this record.")
    return redirect("privacy:record", learner.pk)


@staff_required(access.can_manage_retention)
@require_POST
def erase(request: StaffRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner, pk=pk)
    form = ErasureForm(request.POST, prefix="erase")
    if not form.is_valid():
        return render(request, "privacy/record.html", _record_context(learner, erase_form=form), status=400)
    try:
        learner_erase(learner=learner, reason=form.cleaned_data["reason"], by=request.user)
    except ErasureRefused as refused:
        form.add_error(None, str(refused))
        return render(request, "privacy/record.html", _record_context(learner, erase_form=form), status=409)
    messages.success(
        request, f"Record erased: it is now {ANONYMOUS_PREFIX}{learner.pk}, and nothing on it names the person."
    )
    return redirect("privacy:record", learner.pk)


@staff_required(access.can_export_subject_access)
@require_POST
def subject_access(request: StaffRequest, pk: int) -> HttpResponse:
    """Queue the record's subject access export: a job, watched in its window."""
    learner = get_object_or_404(Learner, pk=pk)
    job = subject_access_start(learner=learner, started_by=request.user)
    return job_started_response(request, job)


@staff_required(access.can_export_subject_access)
@require_GET
def subject_access_download(request: StaffRequest, job_id: int) -> FileResponse:
    """The export's zip, for the person who made it."""
    return job_file_response(
        request, job_id=job_id, kind=KIND, path_of=subject_access_zip_path, filename=SUBJECT_ACCESS_FILENAME,
        what="subject access export",
    )  # fmt: skip
