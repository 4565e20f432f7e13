from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from learners.models import Kind, Learner, LearningStatus, SystemStatus
from learners.pagination import DeferredJoinPaginator
from learners.selectors import LearnerFilters, learner_search
from permissions.access import can_view_learners
from permissions.decorators import StaffRequest, staff_required

PAGE_SIZE = 50


@staff_required(can_view_learners)
def learner_list(request: StaffRequest) -> HttpResponse:
    filters = LearnerFilters(
        query=request.GET.get("q", "").strip()[:100],
        system_status=request.GET.get("system_status", ""),
        learning_status=request.GET.get("learning_status", ""),
        kind=request.GET.get("kind", ""),
    )
    page = DeferredJoinPaginator(learner_search(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "system_statuses": SystemStatus.choices,
        "learning_statuses": LearningStatus.choices,
        "kinds": Kind.choices,
        "querystring": _without_page(request),
    }
    template = "learners/_learner_table.html" if request.htmx else "learners/learner_list.html"
    return render(request, template, context)


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@staff_required(can_view_learners)
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)
    return render(request, "learners/learner_detail.html", {"learner": learner, "tab": "details"})
