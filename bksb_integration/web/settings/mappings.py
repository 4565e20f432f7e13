"""Integrations > bksb > Levels and Subjects: the mapping tables, and what they leave unmapped.

Both screens work alike, so one set of views serves both, told apart by `kind`.
Every change re-applies the tables to the stored results at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bksb_integration.config.mapping import results_remap, unmapped_result_texts, unmapped_subject_codes
from bksb_integration.levels.views.recompute import levels_recompute
from bksb_integration.models import Level, LevelMapping, Subject, SubjectMapping
from bksb_integration.web.settings.forms import LevelMappingForm, SubjectMappingForm
from permissions.access import can_manage_bksb_settings
from permissions.guards import bksb_view


@dataclass(frozen=True)
class Table:
    kind: str
    title: str
    model: type[LevelMapping | SubjectMapping]
    form_class: type[forms.ModelForm[Any]]
    unmapped: Callable[[], list[tuple[str, int]]]
    unmapped_title: str
    key_field: str
    value_field: str
    choices: list[tuple[str, str]]


TABLES = {
    "levels": Table(
        kind="levels",
        title="Level mappings",
        model=LevelMapping,
        form_class=LevelMappingForm,
        unmapped=unmapped_result_texts,
        unmapped_title="Result texts no row maps",
        key_field="text",
        value_field="level",
        choices=Level.choices,
    ),
    "subjects": Table(
        kind="subjects",
        title="Subject mappings",
        model=SubjectMapping,
        form_class=SubjectMappingForm,
        unmapped=unmapped_subject_codes,
        unmapped_title="Course subject codes no row maps",
        key_field="course_subject",
        value_field="subject",
        choices=Subject.choices,
    ),
}


@bksb_view(can_manage_bksb_settings)
def mapping_list(request: HttpRequest, kind: str) -> HttpResponse:
    table = TABLES[kind]
    form = table.form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return _remapped(request, table, f"Added {form.instance}.")
    return _list_page(request, table, form)


def _list_page(request: HttpRequest, table: Table, form: forms.ModelForm[Any]) -> HttpResponse:
    context = {
        "table": table,
        "rows": table.model.objects.all(),
        "form": form,
        "unmapped": table.unmapped(),
    }
    return render(request, "bksb_integration/settings/mappings.html", context, status=400 if form.errors else 200)


@bksb_view(can_manage_bksb_settings)
def mapping_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    table = TABLES[kind]
    row = get_object_or_404(table.model, pk=pk)
    form = table.form_class(request.POST if request.method == "POST" else None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        return _remapped(request, table, f"Saved {row}.")
    context = {"table": table, "row": row, "form": form}
    return render(request, "bksb_integration/settings/mapping_edit.html", context, status=400 if form.errors else 200)


@bksb_view(can_manage_bksb_settings)
@require_POST
def mapping_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    table = TABLES[kind]
    row = get_object_or_404(table.model, pk=pk)
    label = str(row)
    row.delete()
    return _remapped(request, table, f"Deleted {label}.")


def _remapped(request: HttpRequest, table: Table, done: str) -> HttpResponse:
    summary = results_remap()
    messages.success(request, f"{done} {summary.results_updated} stored results re-mapped.")
    if summary.learner_ids:
        job = levels_recompute(request, summary.learner_ids, reason=f"{table.title} changed")
        if job is not None:
            return redirect("jobs:detail", job.pk)
    return redirect(f"bksb:{table.kind}")
