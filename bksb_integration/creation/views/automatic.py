"""Integrations > bksb > Automatic users: create bksb users for new eligible records by themselves (off by default)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bksb_integration.creation.user_create import settings_problem
from bksb_integration.models import BksbSettings
from permissions import access
from permissions.guards import bksb_view


class AutoCreateForm(forms.ModelForm[BksbSettings]):
    class Meta:
        model = BksbSettings
        fields = ["auto_create_users", "auto_create_invite"]
        help_texts = {
            "auto_create_users": "After each import of learners and each night, every new eligible record that "
            "is not a BKSB User gets a bksb user, as Create bksb users would make it.",
            "auto_create_invite": "Email each newly created user an invite (the Invite email).",
        }


@bksb_view(access.can_manage_bksb_settings)
def auto_create(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = AutoCreateForm(request.POST if request.method == "POST" else None, instance=settings)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            settings._change_reason = "Automatic bksb users changed"
            form.save(commit=False).save(update_fields=[*form.changed_data, "updated_at"])
        if settings.auto_create_users:
            messages.success(request, "bksb users will be created automatically after each import and each night.")
            if problem := settings_problem(settings):
                messages.warning(request, f"Nothing can be created until this is fixed: {problem}")
        else:
            messages.success(request, "bksb users are not created automatically.")
        return redirect("bksb:auto_create")
    context = {"settings": settings, "form": form}
    return render(request, "bksb_integration/creation/automatic.html", context, status=400 if form.errors else 200)
