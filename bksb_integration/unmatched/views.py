"""Management > BKSB > Unmatched: records that should have a working bksb link and have not, and the CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bksb_integration.creation.users_job import KIND as CREATE_USERS_KIND
from bksb_integration.models import BksbSettings
from bksb_integration.unmatched.report import (
    KINDS,
    LEFT_OUT_REASONS,
    unmatched_counts,
    unmatched_records,
    unmatched_tally,
)
from bksb_integration.unmatched.rows import unmatched_csv_lines, unmatched_rows
from jobs.models import Job
from learners.caseload import caseload_learners, within_caseload
from learners.listing import ListFilter, list_filter
from learners.models import Learner
from learners.pagination import DeferredJoinPaginator
from permissions import access
from permissions.guards import bksb_view

PAGE_SIZE = 50


def last_automatic_job() -> Job | None:
    """The latest Create bksb users job started by automatic creation, for the bksb summary page."""
    return Job.objects.filter(kind=CREATE_USERS_KIND, params__automatic=True).order_by("-pk").first()


def unmatched_summary(request: HttpRequest, settings: BksbSettings) -> list[tuple[str, str, int]] | None:
    """(kind, label, count) for the bksb summary page, or None for staff who may not see the report."""
    if not access.can_see_unmatched(request.user):
        return None
    counts = unmatched_counts(settings=settings, today=timezone.localdate(), among=caseload_learners(request.user))
    return [(code, label, counts[code]) for code, label in KINDS.items()]


# The learner list's programme filters (learners.programme_filters), for staff with View prior attainment.
PROGRAMME_PARAMS = ("provision", "fund_model", "aim", "em_aim")


def _programme(request: HttpRequest) -> list[tuple[ListFilter, str, list[tuple[str, str]]]]:
    """(filter, chosen value, choices) of each programme filter this user may use."""
    shown = []
    for param in PROGRAMME_PARAMS:
        registered = list_filter(param)
        if registered is None or not registered.visible_to(request.user):
            continue
        choices = list(registered.choices())
        value = request.GET.get(param, "")
        shown.append((registered, value if value in {c for c, _ in choices} else "", choices))
    return shown


def _narrowed(
    records: QuerySet[Learner], programme: list[tuple[ListFilter, str, list[tuple[str, str]]]]
) -> QuerySet[Learner]:
    for registered, value, _ in programme:
        if value:
            records = registered.apply(records, value)
    return records


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in KINDS else ""


@bksb_view(access.can_see_unmatched)
@require_GET
def unmatched(request: HttpRequest) -> HttpResponse:
    settings, today, kind = BksbSettings.load(), timezone.localdate(), _kind(request)
    programme = _programme(request)
    narrowing = any(value for _, value, _ in programme)
    among = caseload_learners(request.user)
    records = unmatched_records(settings=settings, today=today, kind=kind, among=among)
    records = _narrowed(records.select_related("web_user__user"), programme)
    tally = unmatched_tally(settings=settings, today=today, among=among)
    counts = tally.counts
    params = {"kind": kind, **{registered.param: value for registered, value, _ in programme}}
    paginator = DeferredJoinPaginator(records, PAGE_SIZE)
    if not narrowing:
        paginator.count = counts[kind] if kind else sum(counts.values())  # known already: no second count
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": unmatched_rows(list(page)),
        "kind": kind,
        "kinds": [(code, label, counts[code]) for code, label in KINDS.items()],
        "total": sum(counts.values()),
        "creatable": tally.creatable,
        "left_out": [(n, LEFT_OUT_REASONS[code]) for code, n in tally.left_out.items()],
        "querystring": urlencode({name: value for name, value in params.items() if value}),
        "programme": programme,
        "may_create": access.can_create_bksb_user(request.user),
    }
    return render(request, "bksb_integration/unmatched/unmatched.html", context)


@bksb_view(access.can_see_unmatched)
@require_GET
def unmatched_export(request: HttpRequest) -> StreamingHttpResponse:
    programme = _programme(request)
    lines = unmatched_csv_lines(
        settings=BksbSettings.load(),
        today=timezone.localdate(),
        kind=_kind(request),
        narrow=lambda records: within_caseload(_narrowed(records, programme), request.user),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="bksb-unmatched-{stamp}.csv"'
    return response
