"""Management > BKSB > ILR cross-check: every finding of the records the ILR imports brought in, filtered by
finding, subject and provision type; the CSV; a large cohort's report as a job."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.crosscheck.report import (
    PROVISIONS,
    FindingFilter,
    findings_csv_lines,
    findings_for,
    inline_max,
    learners_checked,
)
from bksb_integration.crosscheck.report_job import KIND, crosscheck_csv_path, crosscheck_job_start
from bksb_integration.crosscheck.rules import RULES, SUBJECT_WORDS
from bksb_integration.levels.funding import Thresholds
from jobs.views import job_file_response, job_started_response
from learners.caseload import caseload_learners
from learners.models import Learner
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

PAGE_SIZE = 50
TOO_MANY = (
    "{count:,} records are checked: more than the page checks at once ({limit:,}). Make the report in the "
    "background, or narrow it by provision type."
)


def _checked(chosen: FindingFilter, among: QuerySet[Learner] | None) -> tuple[list[Learner], bool]:
    """The records checked (of a caseload, when given), at most the page's limit (one query), and whether there
    are more."""
    limit = inline_max()
    learners = list(learners_checked(provision=chosen.provision, among=among)[: limit + 1])
    return learners[:limit], len(learners) > limit


@bksb_view(access.can_see_ilr_crosscheck)
@require_GET
def crosscheck(request: HttpRequest) -> HttpResponse:
    chosen, among = FindingFilter.from_query(request.GET), caseload_learners(request.user)
    learners, too_many = _checked(chosen, among)
    context: dict[str, object] = {
        "chosen": chosen,
        "rules": RULES,
        "subjects": list(SUBJECT_WORDS.items()),
        "provisions": PROVISIONS,
        "querystring": urlencode(chosen.as_params()),
        "too_many": too_many,
    }
    if too_many:
        count = learners_checked(provision=chosen.provision, among=among).count()
        context["too_many_text"] = TOO_MANY.format(count=count, limit=inline_max())
    else:
        findings = findings_for(learners, thresholds=Thresholds.load(), chosen=chosen)
        context |= {"page": Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page")), "checked": len(learners)}
    return render(request, "bksb_integration/crosscheck/report.html", context)


@bksb_view(access.can_see_ilr_crosscheck)
@require_GET
def crosscheck_csv(request: HttpRequest) -> HttpResponseBase:
    chosen = FindingFilter.from_query(request.GET)
    learners, too_many = _checked(chosen, caseload_learners(request.user))
    if too_many:
        messages.info(request, "This cohort is too large to check in one page: make the report in the background.")
        return redirect(f"{reverse('bksb:crosscheck')}?{urlencode(chosen.as_params())}")
    findings = findings_for(learners, thresholds=Thresholds.load(), chosen=chosen)
    response = StreamingHttpResponse(findings_csv_lines(findings), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ilr-crosscheck-{stamp}.csv"'
    return response


@bksb_view(access.can_see_ilr_crosscheck)
@require_POST
def crosscheck_job(request: StaffRequest) -> HttpResponse:
    """The report of a large cohort, made in the background: the window offers its CSV."""
    job = crosscheck_job_start(chosen=FindingFilter.from_query(request.POST), started_by=request.user)
    return job_started_response(request, job)


@bksb_view(access.can_see_ilr_crosscheck)
@require_GET
def crosscheck_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The job's CSV, for the person who started it."""
    return job_file_response(
        request, job_id=job_id, kind=KIND, path_of=crosscheck_csv_path, filename="ilr-crosscheck-{job.pk}.csv",
        what="report",
    )  # fmt: skip
