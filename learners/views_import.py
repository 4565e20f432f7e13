"""Staff pages for the learner CSV import: upload, preview (a dry run), confirm (a background job).

Between preview and confirm the checked CSV text waits in a staged file
(learners.import_files) named by a random token that only the session knows;
confirming hands the token to the import job, which deletes the file when it ends.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from jobs.views import job_started_response
from learners.import_files import staged_file_delete, staged_file_exists, staged_file_save
from learners.import_job import learner_import_start
from learners.import_rows import COLUMNS
from learners.importing import ImportFileError, csv_text_decode, learners_import
from permissions.access import can_import_learners
from permissions.decorators import StaffRequest, staff_required

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SESSION_KEY = "learner_import"


class ImportForm(forms.Form):
    csv_file = forms.FileField(label="CSV file")
    skip_invalid = forms.BooleanField(
        label="Skip invalid rows", required=False, help_text="Import the good rows and leave out the bad ones."
    )

    def clean_csv_file(self) -> str:
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        try:
            return csv_text_decode(upload.read())
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from None


@staff_required(can_import_learners)
def learner_import(request: StaffRequest) -> HttpResponse:
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text, skip_invalid = form.cleaned_data["csv_file"], form.cleaned_data["skip_invalid"]
        try:
            summary = learners_import(rows=io.StringIO(text, newline=""), skip_invalid=skip_invalid, dry_run=True)
        except ImportFileError as exc:
            form.add_error("csv_file", str(exc))
        else:
            importable = summary.rows > 0 and (skip_invalid or not summary.refused)
            if importable:
                _pending_save(request, text, skip_invalid=skip_invalid)
            context = {"summary": summary, "importable": importable, "skip_invalid": skip_invalid}
            return render(request, "learners/import_preview.html", context)
    return render(request, "learners/import_upload.html", {"form": form, "columns": COLUMNS})


def _confirm(request: StaffRequest) -> HttpResponse:
    """Start the import of this session's checked file on the workers; its window shows the progress."""
    pending = request.session.pop(SESSION_KEY, None) or {}
    token = pending.get("token")
    if not isinstance(token, str) or not staged_file_exists(token):
        messages.error(request, "There is no checked file waiting to be imported. Upload it again.")
        if request.htmx:
            return HttpResponseClientRedirect(reverse("learners:import"))
        return redirect("learners:import")
    job = learner_import_start(token=token, skip_invalid=bool(pending.get("skip_invalid")), started_by=request.user)
    return job_started_response(request, job)


def _pending_save(request: HttpRequest, text: str, *, skip_invalid: bool) -> None:
    """Replace this session's waiting file with the one just checked."""
    previous = (request.session.get(SESSION_KEY) or {}).get("token")
    staged_file_delete(previous)
    request.session[SESSION_KEY] = {"token": staged_file_save(text), "skip_invalid": skip_invalid}
