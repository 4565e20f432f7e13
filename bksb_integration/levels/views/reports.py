"""Management > BKSB > Reports: a cohort's levels as charts with tables, and as CSV.

The cohort is picked with the learner list's own filters (the same query string), so
"Reports for this cohort" on a filtered list opens the report for exactly those
records, and each count links back to the list filtered to the cohort and that count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import chain
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from bksb_integration.levels.cohort import COUNTED_BKSB, COUNTED_CHOICES, cohort_by_provision, cohort_report
from bksb_integration.levels.distance import ALL, DistanceTable, distance_columns, distance_tables
from bksb_integration.levels.list_choices import LISTED_SUBJECTS, level_choice
from bksb_integration.levels.params import FLAG_PARAM, level_param
from bksb_integration.levels.views.list_tags import TAG_PARAM
from bksb_integration.levels.views.provision_charts import ProvisionChart, provision_charts, provision_csv_rows
from bksb_integration.levels.views.report_charts import (
    Filter,
    chart_data,
    csv_rows,
    flag_rows,
    grid_tables,
    sections,
    table_rows,
)
from bksbmis.csv_export import csv_lines
from learners.listing import list_filter
from learners.models import Kind, LearningStatus, ProvisionType, SystemStatus
from learners.programme_filters import NOT_KNOWN
from learners.selectors import LearnerFilters, learner_filters_from, learner_search
from permissions.access import AnyUser, can_view_bksb_reports, can_view_prior_attainment
from permissions.decorators import StaffRequest, staff_required

# The cohort form's fields: the list's own, then these registered filters.
COHORT_FIELDS = ("start_from", "start_to", "learning_status", "kind")
# The programme filters (learners.programme_filters) show only to staff with View prior attainment.
COHORT_SELECTS = (TAG_PARAM, FLAG_PARAM, "provision", "fund_model", "aim", "em_aim")
LEVEL_PARAMS = {level_param(subject) for subject in LISTED_SUBJECTS}
# Count the Latest levels from the bksb results (the default) or from tutors' judgements.
COUNTED_PARAM = "counted"
# Compare provision types: every chart split by provision type (staff with View prior attainment only).
BY_PARAM, BY_PROVISION = "by", "provision"


def _counted(request: StaffRequest) -> str:
    value = request.GET.get(COUNTED_PARAM, "")
    return value if value in dict(COUNTED_CHOICES) else COUNTED_BKSB


def _compares_provision(request: StaffRequest) -> bool:
    return request.GET.get(BY_PARAM) == BY_PROVISION and can_view_prior_attainment(request.user)


def _provision_charts(filters: LearnerFilters, params: dict[str, str], counted: str) -> dict[str, list[ProvisionChart]]:
    """Each chart by provision type, every count linked to the list of the cohort, that type and that count."""
    split = cohort_by_provision(learners=learner_search(filters=replace(filters, sort="")), counted=counted)

    def link_for(provision: str, extra: Filter) -> str:
        if params.get("provision", provision) != provision:
            return ""  # the cohort is cut to another provision type
        return list_link({**params, "provision": provision}, extra)

    return provision_charts(split, link_for)


def cohort_params(filters: LearnerFilters) -> dict[str, str]:
    """The filters that pick the cohort, as the list's query string has them (the sort is not one)."""
    params = filters.as_params()
    params.pop("sort", None)
    return params


def list_link(params: dict[str, str], extra: Filter | None = None) -> str:
    """The learner list filtered to the cohort, and to one more filter when given.

    "" (no link) when the cohort already filters by another value of that filter which the
    list cannot also apply: the list takes one value per filter, so the link would show
    records the count left out. (A narrower level within the cohort's level range is fine.)
    """
    if extra is not None and not _narrows(params.get(extra[0]), extra):
        return ""
    query = {**params, **dict([extra])} if extra else params
    return reverse("learners:list") + (f"?{urlencode(query)}" if query else "")


def _narrows(current: str | None, extra: Filter) -> bool:
    name, value = extra
    if current is None or current == value:
        return True
    if name not in LEVEL_PARAMS:
        return False
    cohort, segment = level_choice(current), level_choice(value)
    return cohort is not None and segment is not None and cohort.includes(segment)


def _carried(params: dict[str, str]) -> list[tuple[str, str, str]]:
    """Filters from the list the cohort form does not show: kept as hidden fields, and named on the page."""
    shown = {*COHORT_FIELDS, *COHORT_SELECTS}
    own = {"q": "Search"}
    carried = []
    for name, value in params.items():
        if name in shown:
            continue
        registered = list_filter(name)
        if registered is not None:
            words = f"{registered.label}: {dict(registered.choices()).get(value, value)}"
        elif name == "system_status":
            words = f"System status: {SystemStatus(value).label}"
        else:
            words = f"{own.get(name, name)}: {value}"
        carried.append((name, value, words))
    return carried


def cohort_form_context(filters: LearnerFilters, user: AnyUser) -> dict[str, Any]:
    """What the cohort form (levels/_cohort_fields.html) shows: the Reports page's, and the Audit sample's draw."""
    selects = [
        registered
        for name in COHORT_SELECTS
        if (registered := list_filter(name)) is not None and registered.visible_to(user)
    ]
    return {
        "filters": filters,
        "carried": _carried(cohort_params(filters)),
        "cohort_selects": [(select, filters.value(select.param), select.choices()) for select in selects],
        "learning_statuses": LearningStatus.choices,
        "kinds": Kind.choices,
    }


@staff_required(can_view_bksb_reports)
def reports(request: StaffRequest) -> HttpResponse:
    filters = learner_filters_from(request.GET, request.user)
    params = cohort_params(filters)
    counted = _counted(request)
    report = cohort_report(learners=learner_search(filters=replace(filters, sort="")), counted=counted)

    def link_for(extra: Filter) -> str:
        return list_link(params, extra)

    compared = _provision_charts(filters, params, counted) if _compares_provision(request) else {}
    data = chart_data(report, link_for)
    data["charts"].update({chart.key: chart.spec() for charts in compared.values() for chart in charts})
    shown = {**params, COUNTED_PARAM: counted} if counted != COUNTED_BKSB else params
    context = {
        **cohort_form_context(filters, request.user),
        "report": report,
        "sections": [
            (section, table_rows(section, link_for), compared.get(section.key, [])) for section in sections(report)
        ],
        "chart_data": data,
        "grid_tables": grid_tables(report),
        "flag_rows": flag_rows(report, link_for),
        "querystring": urlencode({**shown, BY_PARAM: BY_PROVISION} if compared else shown),
        "compares_provision": bool(compared),
        "compare_url": reverse("bksb:reports") + "?" + urlencode({**shown, BY_PARAM: BY_PROVISION}),
        "whole_url": reverse("bksb:reports") + (f"?{urlencode(shown)}" if shown else ""),
        "counted": counted,
        "counted_choices": COUNTED_CHOICES,
        "list_url": list_link(params),
        "provision_rows": _provision_rows(filters, params) if can_view_prior_attainment(request.user) else None,
        **_distance(filters, by_provision=can_view_prior_attainment(request.user)),
    }
    return render(request, "bksb_integration/levels/reports.html", context)


def _distance_csv(filters: LearnerFilters, *, by_provision: bool) -> Iterator[list[str]]:
    """Distance travelled in the report's CSV: a line per subject, movement and column (percent: of the subject's
    learners with an initial assessment, for All learners)."""
    columns = distance_columns(by_provision=by_provision)
    for table in distance_tables(learners=learner_search(filters=replace(filters, sort=""))):
        for row in table.rows:
            for key, label in columns:
                learners = row.counts.get(key, 0)
                if key == ALL:
                    percent = f"{100 * learners / table.total:.1f}" if table.total else ""
                    yield ["Distance travelled", table.label, row.label, str(learners), percent]
                else:
                    yield ["Distance travelled", table.label, f"{row.label}, {label}", str(learners), ""]


def _distance(filters: LearnerFilters, *, by_provision: bool) -> dict[str, Any]:
    """Distance travelled per subject, as tables: a row per movement (and per number of levels moved), a column for
    every learner and, for staff with View prior attainment, one per provision type. One query."""
    columns = distance_columns(by_provision=by_provision)
    tables = distance_tables(learners=learner_search(filters=replace(filters, sort="")))

    def cells(table: DistanceTable) -> list[tuple[str, bool, list[int]]]:
        return [(row.label, row.is_total, [row.counts.get(key, 0) for key, _ in columns]) for row in table.rows]

    return {
        "distance_columns": [label for _, label in columns],
        "distance_tables": [(table, cells(table)) for table in tables],
    }


def _provision_rows(filters: LearnerFilters, params: dict[str, str]) -> list[tuple[str, int, str, str]]:
    """The cohort by provision type (one query): each count, the report cut to it, and the list of it."""
    cohort = learner_search(filters=replace(filters, sort="")).order_by()
    counts = dict(cohort.values_list("provision_type").annotate(n=Count("pk")).values_list("provision_type", "n"))
    rows = []
    for value, label in [*ProvisionType.choices, ("", "Not known")]:
        param = value or NOT_KNOWN
        cut = reverse("bksb:reports") + "?" + urlencode({**params, "provision": param})
        rows.append((str(label), counts.get(value, 0), cut, list_link(params, ("provision", param))))
    return rows


@staff_required(can_view_bksb_reports)
def reports_csv(request: StaffRequest) -> HttpResponse:
    filters = learner_filters_from(request.GET, request.user)
    counted = _counted(request)
    report = cohort_report(learners=learner_search(filters=replace(filters, sort="")), counted=counted)
    rows = chain(csv_rows(report), _distance_csv(filters, by_provision=can_view_prior_attainment(request.user)))
    if _compares_provision(request):
        compared = _provision_charts(filters, cohort_params(filters), counted)
        rows = chain(rows, provision_csv_rows(compared))
    response = HttpResponse("".join(csv_lines(rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bksb-cohort-report.csv"'
    return response
