"""BKSB | Create user, Send invite, bulk creation and the invite email's template."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from bksb_integration.accounts.invite_template import PLACEHOLDERS, placeholder
from bksb_integration.accounts.invites import (
    InviteEmail,
    InviteError,
    InviteOutcome,
    InviteTemplateError,
    invite_preview,
    invite_problems,
    invite_send,
)
from bksb_integration.accounts.linking import has_bksb_user
from bksb_integration.accounts.usernames import effective_bksb_username
from bksb_integration.config.connection import REQUEST_CLIENT_OPTIONS, BksbNotReady, bksb_client, bksb_readiness
from bksb_integration.creation import user_create as uc
from bksb_integration.creation.views.forms import CreateBksbUserForm, InviteForm, InviteTemplateForm
from bksb_integration.creation.views.intake import FROM_REPORT, intake_create, records_from_report, report_left_out
from bksb_integration.matching.suggestions import matches_known
from bksb_integration.models import BksbSettings, UserCreationRequest
from learners.models import Learner
from learners.selection import learners_selected
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

can_create_user = access.on_record(access.can_create_bksb_user)
# Ticked to create a new bksb user for a record matching found one for.
CONFIRM_FIELD = "none_is_this_learner"
# Linking to any existing bksb user is editing the link, whichever page offers it.
can_link_existing = access.on_record(access.can_create_bksb_user, access.can_edit_bksb_link)


def _learner(pk: int) -> Learner:
    return get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)


def _not_ready(request: HttpRequest, settings: BksbSettings) -> bool:
    readiness = bksb_readiness(settings)
    if readiness.ready:
        return False
    messages.error(request, readiness.reason)
    return True


# Views that call bksb: the secret and the Default Password pass below them.
@sensitive_variables()
@bksb_view(can_create_user)
def create_user(request: StaffRequest, pk: int) -> HttpResponse:
    learner, settings = _learner(pk), BksbSettings.load()
    if _not_ready(request, settings):
        return redirect("learners:detail", pk)
    done = UserCreationRequest.objects.filter(learner=learner, status=UserCreationRequest.Status.CREATED).first()
    if done is not None:
        return render(
            request, "bksb_integration/creation/create_user_done.html", {"learner": learner, "creation": done}
        )
    if has_bksb_user(learner):
        messages.info(request, "This record is already linked to a bksb user.")
        return redirect("learners:detail", pk)
    form = CreateBksbUserForm(request.POST if request.method == "POST" else None, learner=learner, settings=settings)
    # What matching found (earlier runs, today's answers of bksb): asked about before a second account is made.
    known = matches_known(learner=learner, settings=settings)
    context: dict[str, object] = {"learner": learner, "settings": settings, "known": known}
    unconfirmed = known.found and request.POST.get(CONFIRM_FIELD) != "yes"
    if request.method == "POST" and form.is_valid() and unconfirmed:
        context["confirm_error"] = (
            "bksb may know this record already (below). Link it to that user, or confirm that none is this "
            "learner before creating a new one."
        )
    elif request.method == "POST" and form.is_valid():
        outcome = _create(request, learner, form, settings)
        if outcome.ok:
            # The created user's page confirms it; only how it came about (an earlier attempt) is news.
            if outcome.result != uc.CREATED:
                messages.info(request, outcome.message)
            return redirect("bksb:create_user", pk)
        if outcome.result == uc.TAKEN and outcome.suggestion:
            data = request.POST.copy()
            data["username"] = outcome.suggestion
            form = CreateBksbUserForm(data, learner=learner, settings=settings)
            form.is_valid()
        context["outcome"] = outcome
    context["form"] = form
    context["confirm_field"] = CONFIRM_FIELD
    status = 400 if form.errors or "outcome" in context or "confirm_error" in context else 200
    return render(request, "bksb_integration/creation/create_user.html", context, status=status)


def _create(
    request: StaffRequest, learner: Learner, form: CreateBksbUserForm, settings: BksbSettings
) -> uc.CreationOutcome:
    data = form.cleaned_data
    try:
        with bksb_client(settings, **REQUEST_CLIENT_OPTIONS) as client:
            return uc.bksb_user_create(
                learner=learner,
                username=data["username"],
                email=data["email"],
                auto_enrol=data["auto_enrol_courses"],
                requested_by=request.user,
                client=client,
                settings=settings,
            )
    except (BksbNotReady, uc.CreationNotPossible) as exc:
        return uc.CreationOutcome(uc.FAILED, str(exc), data["username"])


@sensitive_variables()
@bksb_view(can_link_existing)
@require_POST
def link_existing(request: HttpRequest, pk: int) -> HttpResponse:
    """The offer after a taken name: link the record to the bksb user of that name."""
    learner, settings = _learner(pk), BksbSettings.load()
    username = request.POST.get("username", "").strip()
    if _not_ready(request, settings):
        return redirect("learners:detail", pk)
    problems = uc.username_problems(username)
    if problems or has_bksb_user(learner):
        messages.error(request, " ".join(problems) or "This record is already linked to a bksb user.")
        return redirect("learners:detail", pk)
    try:
        with bksb_client(settings, **REQUEST_CLIENT_OPTIONS) as client:
            outcome = uc.bksb_link_existing(learner=learner, username=username, client=client)
    except BksbNotReady as exc:
        messages.error(request, str(exc))
        return redirect("bksb:create_user", pk)
    if not outcome.ok:
        messages.error(request, outcome.message)
        return redirect("bksb:create_user", pk)
    messages.success(request, outcome.message)
    return redirect("learners:detail", pk)


@bksb_view(can_create_user)
@require_GET
def record_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's BKSB | Create user and Send invite buttons, refreshed when its link changes."""
    return render(request, "learners/_record_actions.html", {"learner": _learner(pk)})


@sensitive_variables()
@bksb_view(can_create_user)
def invite(request: StaffRequest, pk: int) -> HttpResponse:
    learner, settings = _learner(pk), BksbSettings.load()
    if _not_ready(request, settings):
        return redirect("learners:detail", pk)
    form = InviteForm(request.POST if request.method == "POST" else None)
    problems = invite_problems(learner=learner)
    if request.method == "POST" and not problems and form.is_valid():
        try:
            sent = _invite_send(request, learner, settings, form.cleaned_data["with_auto_login_link"])
        except InviteError as exc:
            form.add_error(None, str(exc))
        else:
            (messages.info if sent.repeated else messages.success)(request, sent.message)
            return redirect("bksb:invite", pk)
    context = {
        "learner": learner,
        "form": form,
        "problems": problems,
        "username": effective_bksb_username(learner),
        "invites": learner.bksb_invites.select_related("sent_by")[:50],
    }
    return render(request, "bksb_integration/creation/invite.html", context, status=400 if form.errors else 200)


def _invite_send(request: StaffRequest, learner: Learner, settings: BksbSettings, with_link: bool) -> InviteOutcome:
    if not with_link:
        return invite_send(
            learner=learner, sent_by=request.user, with_auto_login_link=False, client=None, settings=settings
        )
    try:
        with bksb_client(settings, **REQUEST_CLIENT_OPTIONS) as client:
            return invite_send(
                learner=learner, sent_by=request.user, with_auto_login_link=True, client=client, settings=settings
            )
    except BksbNotReady as exc:
        raise InviteError(str(exc)) from None


@sensitive_variables()
@bksb_view(can_create_user)
@require_POST
def users_create(request: StaffRequest) -> HttpResponse:
    """Create bksb users for an intake: the ticked records, all matching the list's filters, or the unmatched
    report's, after the choice of invite, on the workers; its window lists each outcome (web/intake.py)."""
    if request.POST.get("scope") == FROM_REPORT:
        settings = BksbSettings.load()
        return intake_create(
            request,
            records_from_report(settings, request.user),
            back="bksb:unmatched",
            left_out=report_left_out(settings, request.user),
        )
    return intake_create(request, learners_selected(request.POST, request.user), back="learners:list")


@bksb_view(access.can_manage_bksb_settings)
def invite_template(request: HttpRequest) -> HttpResponse:
    """Edit the invite email: plain text with placeholders, checked on Preview and on Save."""
    settings = BksbSettings.load()
    form = InviteTemplateForm(request.POST if request.method == "POST" else None, instance=settings)
    preview, problem = None, ""
    if request.method == "POST" and form.is_valid():
        preview, problem = _template_preview(form.instance)
        if problem:
            form.add_error(None, problem)
        elif "save" in request.POST:
            form.instance.save(update_fields=["invite_subject", "invite_body", "updated_at"])
            messages.success(request, "Invite email saved.")
            return redirect("bksb:invite_template")
    elif request.method == "GET":
        preview, problem = _template_preview(settings)
    context = {"form": form, "preview": preview, "problem": problem, "placeholders": _placeholders()}
    return render(
        request, "bksb_integration/creation/invite_template.html", context, status=400 if form.errors else 200
    )


def _placeholders() -> list[tuple[str, str]]:
    return [(placeholder(name), meaning) for name, meaning in PLACEHOLDERS.items()]


def _template_preview(settings: BksbSettings) -> tuple[InviteEmail | None, str]:
    """The preview, or why the template cannot be rendered."""
    try:
        return invite_preview(settings=settings), ""
    except InviteTemplateError as exc:
        return None, f"This template cannot be used: {exc.reason}"
