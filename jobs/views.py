"""A job's progress: its page (works without JavaScript), the status part its window polls, and Resume; and the one
status address of all work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from jobs.kinds import job_kind
from jobs.models import Job
from jobs.selectors import job_for_user, job_stall
from jobs.services import job_resume
from jobs.statuses import status_view
from permissions.decorators import staff_required

# Sent by the status part once the job is over: a page can redraw what the job changed.
JOB_FINISHED = "jobFinished"


def job_status_context(job: Job) -> dict[str, Any]:
    """What the progress window (and the job's page) shows: the shared part and the kind's own."""
    kind = job_kind(job.kind)
    stalled = job_stall(job)
    return {
        "job": job,
        "kind": kind,
        "stalled": stalled,
        "resumable": bool(stalled) or job.status == Job.Status.FAILED,
        "polling": not job.is_finished and not stalled,
        # What the one status frame (includes/progress_status.html) reads of any kind of work.
        "finished": job.is_finished,
        "percent": job.percent,
        "started_by": _started_by(job),
        **kind.context(job),
    }


def _started_by(job: Job) -> str:
    if job.started_by is not None:
        return job.started_by.get_username()
    # A job an app starts by itself (e.g. bksb users created after an import) says so in its params.
    return "Automatic" if job.params.get("automatic") else "Command line"


@staff_required()
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(user=request.user, job_id=job_id)
    return render(request, "jobs/job.html", job_status_context(job))


def work_status(request: HttpRequest, work: str, pk: int) -> HttpResponseBase:
    """The status part of any work's window: the view its kind registered answers (with its own guard)."""
    return status_view(work)(request, pk)


@staff_required()
@require_GET
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(user=request.user, job_id=job_id)
    response = render(request, "jobs/_status.html", job_status_context(job))
    if job.is_finished:
        response["HX-Trigger"] = JOB_FINISHED
    return response


@staff_required()
@require_POST
def job_resume_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for_user(user=request.user, job_id=job_id)
    if job_resume(job_id=job.pk):
        messages.success(request, "Carrying on where the job stopped.")
    else:
        messages.info(request, "This job is running or finished: there is nothing to resume.")
    return redirect("jobs:detail", job.pk)


def job_started_response(request: HttpRequest, job: Job) -> HttpResponse:
    """What a screen answers once it has started a job: with htmx the progress window, else the job's page."""
    if getattr(request, "htmx", False):
        return render(request, "jobs/window.html", job_status_context(job))
    return redirect("jobs:detail", job.pk)


def job_file_response(
    request: HttpRequest, *, job_id: int, kind: str, path_of: Callable[[Job], Path], filename: str, what: str
) -> FileResponse:
    """The file a job made (a zip, a CSV), for the person who started it; 404 to anyone else, for a job of
    another kind, or once the file is gone."""
    job = job_for_user(user=request.user, job_id=job_id)
    path = path_of(job)
    if job.kind != kind or job.started_by_id != request.user.pk or not path.exists():
        raise Http404(f"No such {what}.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename.format(job=job))
