"""Integrations > bksb > Matching: how Match learners and Find in bksb propose usernames."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bksb_integration.matching.candidates import PLACEHOLDERS
from bksb_integration.matching.views.forms import MatchingSettingsForm
from bksb_integration.models import BksbSettings
from permissions import access
from permissions.guards import bksb_view


@bksb_view(access.can_manage_bksb_settings)
def matching_settings(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = MatchingSettingsForm(request.POST if request.method == "POST" else None, settings=settings)
    if request.method == "POST" and form.is_valid():
        settings.match_builtins = form.builtins()
        settings.match_patterns = form.cleaned_data["match_patterns"]
        settings.match_link_automatically = form.cleaned_data["match_link_automatically"]
        settings.save(update_fields=["match_builtins", "match_patterns", "match_link_automatically", "updated_at"])
        messages.success(request, "Matching settings saved.")
        return redirect("bksb:matching_settings")
    context = {"form": form, "placeholders": PLACEHOLDERS.items()}
    return render(request, "bksb_integration/matching/settings.html", context, status=400 if form.errors else 200)
