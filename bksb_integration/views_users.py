"""BKSB | Create user, Send invite, bulk creation and the invite email's template."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bksb_integration import user_creation as uc
from bksb_integration.bulk_creation import BULK_LIMIT, bksb_users_bulk_create, bulk_summary
from bksb_integration.connection import IntegrationNotConfigured, client_for
from bksb_integration.forms_users import CreateBksbUserForm, InviteForm, InviteTemplateForm
from bksb_integration.guards import bksb_view
from bksb_integration.invites import InviteError, invite_preview, invite_problems, invite_send
from bksb_integration.models import BksbSettings, UserCreationRequest
from bksb_integration.usernames import effective_bksb_username
from learners.models import Learner
from permissions import access

NOT_ENABLED = "The bksb integration is not enabled: ask an administrator (Integrations > bksb > Settings)."


def _learner(pk: int) -> Learner:
    return get_object_or_404(Learner.objects.select_related("web_user__user"), pk=pk)


def _not_enabled(request: HttpRequest, settings: BksbSettings) -> bool:
    if settings.integration_enabled:
        return False
    messages.error(request, NOT_ENABLED)
    return True


@bksb_view(access.can_create_bksb_user)
def create_user(request: HttpRequest, pk: int) -> HttpResponse:
    learner, settings = _learner(pk), BksbSettings.load()
    if _not_enabled(request, settings):
        return redirect("learners:detail", pk)
    done = UserCreationRequest.objects.filter(learner=learner, status=UserCreationRequest.Status.CREATED).first()
    if done is not None:
        return render(request, "bksb_integration/create_user_done.html", {"learner": learner, "creation": done})
    if uc.is_linked(learner):
        messages.info(request, "This record is already linked to a bksb user.")
        return redirect("learners:detail", pk)
    form = CreateBksbUserForm(request.POST if request.method == "POST" else None, learner=learner, settings=settings)
    context: dict[str, object] = {"learner": learner, "settings": settings}
    if request.method == "POST" and form.is_valid():
        outcome = _create(request, learner, form, settings)
        if outcome.ok:
            messages.success(request, outcome.message)
            return redirect("bksb:create_user", pk)
        if outcome.result == uc.TAKEN and outcome.suggestion:
            data = request.POST.copy()
            data["username"] = outcome.suggestion
            form = CreateBksbUserForm(data, learner=learner, settings=settings)
            form.is_valid()
        context["outcome"] = outcome
    context["form"] = form
    status = 400 if form.errors or "outcome" in context else 200
    return render(request, "bksb_integration/create_user.html", context, status=status)


def _create(
    request: HttpRequest, learner: Learner, form: CreateBksbUserForm, settings: BksbSettings
) -> uc.CreationOutcome:
    data = form.cleaned_data
    try:
        client = client_for(settings)
    except IntegrationNotConfigured as exc:
        return uc.CreationOutcome(uc.FAILED, str(exc), data["username"])
    try:
        return uc.bksb_user_create(
            learner=learner,
            username=data["username"],
            email=data["email"],
            auto_enrol=data["auto_enrol_courses"],
            requested_by=request.user,
            client=client,
            settings=settings,
        )
    except uc.CreationNotPossible as exc:
        return uc.CreationOutcome(uc.FAILED, str(exc), data["username"])
    finally:
        client.close()


@bksb_view(access.can_create_bksb_user)
@require_POST
def link_existing(request: HttpRequest, pk: int) -> HttpResponse:
    """The offer after a taken name: link the record to the bksb user of that name."""
    learner, settings = _learner(pk), BksbSettings.load()
    username = request.POST.get("username", "").strip()
    if _not_enabled(request, settings):
        return redirect("learners:detail", pk)
    problems = uc.username_problems(username)
    if problems or uc.is_linked(learner):
        messages.error(request, " ".join(problems) or "This record is already linked to a bksb user.")
        return redirect("learners:detail", pk)
    try:
        client = client_for(settings)
    except IntegrationNotConfigured as exc:
        messages.error(request, str(exc))
        return redirect("bksb:create_user", pk)
    try:
        outcome = uc.bksb_link_existing(learner=learner, username=username, client=client)
    finally:
        client.close()
    if not outcome.ok:
        messages.error(request, outcome.message)
        return redirect("bksb:create_user", pk)
    messages.success(request, outcome.message)
    return redirect("learners:detail", pk)


@bksb_view(access.can_create_bksb_user)
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    learner, settings = _learner(pk), BksbSettings.load()
    if _not_enabled(request, settings):
        return redirect("learners:detail", pk)
    form = InviteForm(request.POST if request.method == "POST" else None)
    problems = invite_problems(learner=learner)
    if request.method == "POST" and not problems and form.is_valid():
        try:
            sent = _invite_send(request, learner, settings, form.cleaned_data["with_auto_login_link"])
        except InviteError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Invite sent to {sent.email}.")
            return redirect("bksb:invite", pk)
    context = {
        "learner": learner,
        "form": form,
        "problems": problems,
        "username": effective_bksb_username(learner),
        "invites": learner.bksb_invites.select_related("sent_by")[:50],
    }
    return render(request, "bksb_integration/invite.html", context, status=400 if form.errors else 200)


def _invite_send(request: HttpRequest, learner: Learner, settings: BksbSettings, with_link: bool):
    client = None
    if with_link:
        try:
            client = client_for(settings)
        except IntegrationNotConfigured as exc:
            raise InviteError(str(exc)) from None
    try:
        return invite_send(
            learner=learner, sent_by=request.user, with_auto_login_link=with_link, client=client, settings=settings
        )
    finally:
        if client is not None:
            client.close()


@bksb_view(access.can_create_bksb_user)
@require_POST
def bulk_create(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    ids = [int(value) for value in request.POST.getlist("learner") if value.isdigit()]
    if _not_enabled(request, settings):
        return redirect("learners:list")
    if not ids:
        messages.error(request, "Select the learners or applicants to create bksb users for.")
        return redirect("learners:list")
    if len(ids) > BULK_LIMIT:
        messages.error(request, f"Select at most {BULK_LIMIT} records at a time.")
        return redirect("learners:list")
    try:
        client = client_for(settings)
    except IntegrationNotConfigured as exc:
        messages.error(request, str(exc))
        return redirect("learners:list")
    try:
        lines = bksb_users_bulk_create(learner_ids=ids, requested_by=request.user, client=client, settings=settings)
    except uc.CreationNotPossible as exc:
        messages.error(request, str(exc))
        return redirect("learners:list")
    finally:
        client.close()
    context = {"lines": lines, "summary": bulk_summary(lines)}
    return render(request, "bksb_integration/bulk_create_result.html", context)


@bksb_view(access.can_manage_bksb_settings)
def invite_template(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = InviteTemplateForm(request.POST if request.method == "POST" else None, instance=settings)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "save" in request.POST:
            form.instance.save(update_fields=["invite_subject", "invite_body", "updated_at"])
            messages.success(request, "Invite email saved.")
            return redirect("bksb:invite_template")
        preview = invite_preview(settings=form.instance)
    elif request.method == "GET":
        preview = invite_preview(settings=settings)
    context = {"form": form, "preview": preview}
    return render(request, "bksb_integration/invite_template.html", context, status=400 if form.errors else 200)
