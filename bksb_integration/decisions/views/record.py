"""Record an English and maths decision (or supersede one), record a judgement, and open a judgement's file.

Each is reached from the learner's BKSB tab and returns there. Entries are only
ever added: no screen edits or deletes one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from bksb_integration.decisions.judgement_files import judgement_file_path
from bksb_integration.decisions.judgements import judgement_record
from bksb_integration.decisions.record import decision_history, decision_record, decision_words, subject_label
from bksb_integration.decisions.views.forms import DecisionForm, JudgementForm
from bksb_integration.models import Decision, Judgement
from learners.models import Learner
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

can_record = access.on_record(access.can_record_decisions)
can_read = access.on_record(access.can_see_bksb)


def _current_entries(learner: Learner) -> list[tuple[int, str]]:
    """The entries a new one may correct: those no later entry supersedes, named for the select."""
    return [
        (entry.decision.pk, f"{subject_label(subject)}: {decision_words(entry.decision)}")
        for subject, entries in decision_history(learner=learner).items()
        for entry in entries
        if entry.current
    ]


def _refused(form: Any, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@bksb_view(can_record)
@require_http_methods(["GET", "POST"])
def decision_add(request: StaffRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner, pk=pk)
    current = _current_entries(learner)
    if request.method != "POST":
        initial: dict[str, Any] = {}
        corrects = request.GET.get("supersedes", "")
        if corrects.isdigit() and int(corrects) in dict(current):
            corrected = Decision.objects.filter(pk=int(corrects), learner=learner).values_list("subject", flat=True)
            initial |= {"supersedes": int(corrects), "subject": corrected.first()}
        form = DecisionForm(initial=initial, current=current)
        return render(request, "bksb_integration/decisions/decision_add.html", {"learner": learner, "form": form})
    form = DecisionForm(request.POST, current=current)
    if form.is_valid():
        try:
            decision = decision_record(learner=learner, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request, f"{subject_label(decision.subject)} decision recorded: {decision_words(decision)}."
            )
            return redirect(reverse("bksb:tab", args=[learner.pk]) + "#bksb-decisions-title")
    context = {"learner": learner, "form": form}
    return render(request, "bksb_integration/decisions/decision_add.html", context, status=400)


@bksb_view(can_record)
@require_http_methods(["GET", "POST"])
def judgement_add(request: StaffRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner, pk=pk)
    if request.method != "POST":
        form = JudgementForm(initial={"subject": request.GET.get("subject", "")})
        return render(request, "bksb_integration/decisions/judgement_add.html", {"learner": learner, "form": form})
    form = JudgementForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            judgement = judgement_record(
                learner=learner,
                subject=data["subject"],
                level=data["level"],
                reason=data["reason"],
                upload=data["attachment"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                f"Judgement recorded: {subject_label(judgement.subject)} {judgement.get_level_display()}. "
                "The bksb results are unchanged.",
            )
            return redirect(reverse("bksb:tab", args=[learner.pk]) + "#bksb-judgements-title")
    context = {"learner": learner, "form": form}
    return render(request, "bksb_integration/decisions/judgement_add.html", context, status=400)


@bksb_view(can_read)
@require_GET
def judgement_file(request: HttpRequest, pk: int, judgement_id: int) -> HttpResponseBase:
    """The file attached to a judgement, as an attachment (never shown inline)."""
    judgement = get_object_or_404(Judgement, pk=judgement_id, learner_id=pk)
    path = judgement_file_path(judgement.file_token) if judgement.file_token else None
    if path is None:
        raise Http404("This judgement has no attached file.")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=judgement.file_name, content_type=judgement.file_type
    )
