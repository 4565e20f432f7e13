from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from bksbmis.csv_export import csv_lines
from learners.listing import (
    AnyUser,
    column_cells,
    list_actions_for,
    list_columns,
    list_filters,
    list_links_for,
    list_sorts,
)
from learners.models import Kind, Learner, LearningStatus, SystemStatus
from learners.pagination import DeferredJoinPaginator
from learners.record_attainment import learner_attainment
from learners.selection import ALL_MATCHING
from learners.selectors import learner_filters_from, learner_search
from permissions.access import can_view_learners, can_view_prior_attainment
from permissions.decorators import StaffRequest, staff_required

PAGE_SIZE = 50
EXPORT_BATCH = 2000


@staff_required(can_view_learners)
def learner_list(request: StaffRequest) -> HttpResponse:
    filters = learner_filters_from(request.GET, request.user)
    page = DeferredJoinPaginator(learner_search(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    learners = list(page.object_list)
    cells = column_cells(learners, request.user)
    context = {
        "page": page,
        "rows": [(learner, cells.row(learner)) for learner in learners],
        "columns": cells.columns,
        "filters": filters,
        "extra_filters": [(f, filters.value(f.param), f.choices()) for f in list_filters(request.user)],
        "sorts": list_sorts(request.user),
        "actions": list_actions_for(request),
        "links": list_links_for(request),
        "all_matching": ALL_MATCHING,
        "system_statuses": SystemStatus.choices,
        "learning_statuses": LearningStatus.choices,
        "kinds": Kind.choices,
        "querystring": filters.querystring(),
    }
    template = "learners/_learner_table.html" if request.htmx else "learners/learner_list.html"
    return render(request, template, context)


@staff_required(can_view_learners)
def learner_export(request: StaffRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, in the list's order, with every registered column."""
    filters = learner_filters_from(request.GET, request.user)
    lines = csv_lines(_export_rows(learner_search(filters=filters), request.user))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="learners.csv"'
    return response


EXPORT_HEADER = [
    "Reference",
    "Type",
    "First name",
    "Last name",
    "Email",
    "Web user",
    "System status",
    "Learning status",
    "Start date",
    "BKSB User",
    "BKSB Username",
]


ATTAINMENT_HEADER = ["ULN", "GCSE English grade", "GCSE maths grade", "Prior attainment level"]


def _export_rows(learners: QuerySet[Learner], user: AnyUser) -> Iterator[list[Any]]:
    """The header, then a row per record, read EXPORT_BATCH records (and their column values) at a time.

    The ULN, grades and prior level are there only for staff with View prior attainment."""
    ids = list(learners.values_list("pk", flat=True))
    columns = list_columns(user)
    attainment = can_view_prior_attainment(user)
    yield EXPORT_HEADER + (ATTAINMENT_HEADER if attainment else []) + [column.header for column in columns]
    for start in range(0, len(ids), EXPORT_BATCH):
        batch_ids = ids[start : start + EXPORT_BATCH]
        order = {pk: position for position, pk in enumerate(batch_ids)}
        batch = sorted(learners.filter(pk__in=batch_ids), key=lambda learner: order[learner.pk])
        cells = column_cells(batch, user)
        for learner in batch:
            extra = _attainment_row(learner) if attainment else []
            yield _export_row(learner) + extra + [column.csv(value) for column, value in cells.row(learner)]


def _export_row(learner: Learner) -> list[Any]:
    web_user = getattr(learner, "web_user", None)
    return [
        learner.learner_ref,
        learner.get_kind_display(),
        learner.first_name,
        learner.last_name,
        learner.email,
        web_user.username if web_user else "",
        learner.get_system_status_display(),
        learner.get_learning_status_display(),
        learner.start_date.isoformat() if learner.start_date else "",
        "Yes" if learner.bksb_user else "No",
        learner.bksb_username,
    ]


def _attainment_row(learner: Learner) -> list[Any]:
    return [
        learner.uln,
        learner.get_gcse_english_grade_display() if learner.gcse_english_grade else "",
        learner.get_gcse_maths_grade_display() if learner.gcse_maths_grade else "",
        learner.get_prior_level_display() if learner.prior_level else "",
    ]


@staff_required(can_view_learners)
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)
    context = {"learner": learner, "tab": "details"}
    if can_view_prior_attainment(request.user):
        context["attainment"] = learner_attainment(learner=learner)
        context["provision_type"] = learner.get_provision_type_display() or "Not known"
    return render(request, "learners/learner_detail.html", context)
