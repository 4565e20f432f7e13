"""Staff pages for the learner CSV import: upload, preview (a dry run), confirm.

Between preview and confirm the checked CSV text waits in a file under
VAR_DIR/imports named by a random token that only the session knows.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from learners.importing import COLUMNS, ImportFileError, csv_text_decode, learners_import
from permissions.access import can_import_learners
from permissions.decorators import staff_required

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PENDING_MAX_AGE = 24 * 60 * 60
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
def learner_import(request: HttpRequest) -> HttpResponse:
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


def _confirm(request: HttpRequest) -> HttpResponse:
    pending = _pending_take(request)
    if pending is None:
        messages.error(request, "There is no checked file waiting to be imported. Upload it again.")
        return redirect("learners:import")
    text, skip_invalid = pending
    summary = learners_import(rows=io.StringIO(text, newline=""), skip_invalid=skip_invalid, dry_run=False)
    return render(request, "learners/import_result.html", {"summary": summary})


def _imports_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _pending_path(token: object) -> Path | None:
    """The waiting file for a token from the session; anything not shaped like one is ignored."""
    if not isinstance(token, str) or len(token) != 32 or not token.isalnum():
        return None
    return _imports_dir() / f"{token}.csv"


def _pending_save(request: HttpRequest, text: str, *, skip_invalid: bool) -> None:
    """Replace this session's waiting file, and clear out any left behind for a day."""
    previous = _pending_path((request.session.get(SESSION_KEY) or {}).get("token"))
    if previous:
        previous.unlink(missing_ok=True)
    cutoff = time.time() - PENDING_MAX_AGE
    for stale in _imports_dir().glob("*.csv"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
    token = secrets.token_hex(16)
    path = _imports_dir() / f"{token}.csv"
    path.touch(mode=0o600, exist_ok=False)
    path.write_text(text, encoding="utf-8")
    request.session[SESSION_KEY] = {"token": token, "skip_invalid": skip_invalid}


def _pending_take(request: HttpRequest) -> tuple[str, bool] | None:
    """This session's waiting text and skip_invalid choice, removed so it is imported once."""
    pending = request.session.pop(SESSION_KEY, None) or {}
    path = _pending_path(pending.get("token"))
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return text, bool(pending.get("skip_invalid"))
