"""Create bksb users for an intake: the records picked (ticked, all matching the list's filters, or the
unmatched report's), a choice of invite, then the Create bksb users job and its window.

The first POST (the list's or the report's button) answers with the choice, carrying the
selection along; its Start posts the same selection again with the choice, which starts the job.
"""

from __future__ import annotations

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from bksb_integration.config.connection import bksb_readiness
from bksb_integration.creation import user_create as uc
from bksb_integration.creation.users_job import KIND, IntakeOptions, bksb_users_create_start
from bksb_integration.models import BksbLink, BksbSettings, UserCreationRequest
from bksb_integration.unmatched.report import LEFT_OUT_REASONS, creatable_records, left_out_counts
from jobs.bounds import selection_cap_refusal, waiting_job_refusal
from jobs.views import job_started_response
from learners.caseload import caseload_learners
from learners.models import Learner
from permissions.access import AnyUser
from permissions.decorators import StaffRequest

# scope=unmatched: the unmatched report's records that have no bksb user at all.
FROM_REPORT = "unmatched"
# What the choice adds to the carried selection (never carried twice).
OWN_FIELDS = {"csrfmiddlewaretoken", "start", "invite", "auto_login_link"}


class IntakeForm(forms.Form):
    invite = forms.BooleanField(label="Send each new bksb user an invite", required=False)
    auto_login_link = forms.BooleanField(
        label="Include a one-time auto-login link in each invite",
        required=False,
        help_text="Made by bksb as each email is sent; it expires and is never stored here.",
    )

    @property
    def options(self) -> IntakeOptions:
        data = self.cleaned_data
        return IntakeOptions(invite=data["invite"], auto_login_link=data["invite"] and data["auto_login_link"])


def records_from_report(settings: BksbSettings, user: AnyUser) -> QuerySet[Learner]:
    """The unmatched report's records whose next action is Create user (matching looked and found nothing),
    among this person's caseload when they are restricted to one."""
    return creatable_records(settings=settings, today=timezone.localdate(), among=caseload_learners(user))


def report_left_out(settings: BksbSettings, user: AnyUser) -> list[tuple[int, str]]:
    """(count, why) of the report's records with no bksb user that its Create bksb users leaves out."""
    counts = left_out_counts(settings=settings, today=timezone.localdate(), among=caseload_learners(user))
    return [(count, LEFT_OUT_REASONS[code]) for code, count in counts.items()]


def intake_create(
    request: StaffRequest,
    selected: QuerySet[Learner],
    *,
    back: str,
    left_out: list[tuple[int, str]] | None = None,
) -> HttpResponse:
    """Answer the button with the choice, or, once chosen (start), start the job and open its window.

    `left_out` (the report's): (count, why) of the records not offered, which the choice names."""
    settings = BksbSettings.load()
    readiness = bksb_readiness(settings)
    if not readiness.ready:
        return _back(request, back, readiness.reason)
    # "Select all N matching" twice would queue the same thousands twice, spending bksb's budget on both.
    waiting = waiting_job_refusal(kind=KIND, what="Create bksb users", started_by=request.user)
    if waiting:
        return _back(request, back, waiting)
    ids = list(selected.values_list("pk", flat=True))
    too_many = selection_cap_refusal(
        count=len(ids),
        cap=django_settings.BKSB_SELECTION_MAX_RECORDS,
        what="Create bksb users",
        command="python manage.py bksb_create_user --all-unlinked",
    )
    if too_many:
        return _back(request, back, too_many)
    if not ids:
        why = "; ".join(f"{count} because {reason}" for count, reason in left_out or [])
        message = f"No record here needs a new bksb user: {why}." if why else ""
        return _back(request, back, message or "Select the learners or applicants to create bksb users for.")
    form = IntakeForm(request.POST if "start" in request.POST else None)
    if not form.is_valid():
        return _choice(request, form, selected, len(ids), settings, left_out or [])
    try:
        job = bksb_users_create_start(learner_ids=ids, started_by=request.user, options=form.options)
    except uc.CreationNotPossible as exc:
        return _back(request, back, str(exc))
    return job_started_response(request, job)


def _choice(
    request: StaffRequest,
    form: IntakeForm,
    selected: QuerySet[Learner],
    count: int,
    settings: BksbSettings,
    left_out: list[tuple[int, str]],
) -> HttpResponse:
    chosen = selected.order_by().values("pk")
    resolved = BksbLink.objects.filter(learner__bksb_user=True, bksb_user_id__isnull=False).values("learner_id")
    created = UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED).values("learner_id")
    linked = Learner.objects.filter(pk__in=chosen).filter(Q(pk__in=resolved) | Q(pk__in=created)).count()
    context = {
        "form": form,
        "count": count,
        "linked": linked,
        "left_out": left_out,
        "left_out_total": sum(n for n, _ in left_out),
        "settings": settings,
        "carried": _carried(request.POST),
        "action": request.path,
    }
    template = (
        "bksb_integration/creation/_intake_choice.html"
        if request.htmx
        else "bksb_integration/creation/intake_choice.html"
    )
    return render(request, template, context)


def _carried(data: QueryDict) -> list[tuple[str, str]]:
    """The selection as it was posted (ticked ids, or the scope and the list's filters), to post again."""
    return [(name, value) for name, values in data.lists() if name not in OWN_FIELDS for value in values]


def _back(request: StaffRequest, back: str, message: str) -> HttpResponse:
    """Nothing started: the page the button was on, with why (a whole-page load when htmx asked)."""
    messages.error(request, message)
    url = reverse(back)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
