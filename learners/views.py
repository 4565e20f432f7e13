from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bksbmis.csv_export import csv_lines
from learners.columns import list_columns_choose, list_columns_chosen, list_columns_reset
from learners.filter_chips import filter_chips, filters_cleared_url
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
from learners.selection import ALL_MATCHING
from learners.selectors import learner_filters_from, learner_search
from permissions.access import can_view_learners
from permissions.decorators import StaffRequest, staff_required

PAGE_SIZE = 50
EXPORT_BATCH = 2000
# The htmx target of a chip's link: the filters and the table together (the filters' own changes redraw the table).
WHOLE_LIST = "learner-list"


@staff_required(can_view_learners)
def learner_list(request: StaffRequest) -> HttpResponse:
    filters = learner_filters_from(request.GET, request.user)
    page = DeferredJoinPaginator(learner_search(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    learners = list(page.object_list)
    shown = list_columns_chosen(user=request.user)
    cells = column_cells(learners, request.user, columns=shown.registered)
    extra_filters = [(f, filters.value(f.param), f.choices()) for f in list_filters(request.user)]
    context = {
        "page": page,
        "rows": [(learner, cells.row(learner)) for learner in learners],
        "columns": cells.columns,
        "shown": shown,
        "filters": filters,
        "extra_filters": extra_filters,
        "chips": filter_chips(filters=filters, registered=extra_filters),
        "clear_url": filters_cleared_url(filters),
        "sorts": list_sorts(request.user),
        "actions": list_actions_for(request),
        "links": list_links_for(request),
        "all_matching": ALL_MATCHING,
        "system_statuses": SystemStatus.choices,
        "learning_statuses": LearningStatus.choices,
        "kinds": Kind.choices,
        "querystring": filters.querystring(),
    }
    table_only = request.htmx and request.htmx.target != WHOLE_LIST
    template = "learners/_learner_table.html" if table_only else "learners/learner_list.html"
    return render(request, template, context)


@staff_required(can_view_learners)
@require_POST
def learner_columns(request: StaffRequest) -> HttpResponse:
    """The column chooser: keep the ticked columns (or go back to the defaults), then the same list again."""
    if "reset" in request.POST:
        list_columns_reset(user=request.user)
        messages.success(request, "The list shows the default columns again.")
    else:
        list_columns_choose(user=request.user, shown=request.POST.getlist("column"))
        messages.success(request, "Columns saved: the list shows them whenever you open it.")
    # Back to the list as it was: its filters read again from what was posted, never a url taken as given.
    filters = learner_filters_from(QueryDict(request.POST.get("list_query", "")), request.user)
    query = filters.querystring()
    return redirect(reverse("learners:list") + (f"?{query}" if query else ""))


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


def _export_rows(learners: QuerySet[Learner], user: AnyUser) -> Iterator[list[Any]]:
    """The header, then a row per record, read EXPORT_BATCH records (and their column values) at a time.

    The filters and the order run once, for the ids (streamed from the database);
    each batch is then read by primary key, so a costly filter is not run again per batch.
    """
    ids = learners.values_list("pk", flat=True).iterator(chunk_size=EXPORT_BATCH)
    columns = list_columns(user)
    yield EXPORT_HEADER + [column.header for column in columns]
    for batch_ids in _batches(ids, EXPORT_BATCH):
        found = Learner.objects.select_related("web_user__user").in_bulk(batch_ids)
        batch = [found[pk] for pk in batch_ids if pk in found]
        cells = column_cells(batch, user)
        for learner in batch:
            yield _export_row(learner) + [column.csv(value) for column, value in cells.row(learner)]


def _batches(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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


@staff_required(can_view_learners)
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)
    return render(request, "learners/learner_detail.html", {"learner": learner, "tab": "details"})
