"""Integrations > bksb: the summary, the Settings form and Test connection."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from bksb_integration.config.connection import connection_test
from bksb_integration.config.settings_change import settings_update
from bksb_integration.models import BksbSettings
from bksb_integration.web.forms_settings import BksbSettingsForm, DownloadOptionsForm
from bksb_integration.web.guards import bksb_view
from permissions import access
from permissions.decorators import StaffRequest

# (label, check) for the "Your access" panel: what this member of staff may do here.
YOUR_RIGHTS = [
    ("Get BKSB Results", access.can_get_bksb_results),
    ("Create BKSB User", access.can_create_bksb_user),
    ("Edit BKSB Link", access.can_edit_bksb_link),
    ("Reset BKSB Download", access.can_reset_bksb_download),
    ("Manage BKSB Settings", access.can_manage_bksb_settings),
]


@bksb_view(access.can_see_bksb)
def summary(request: HttpRequest) -> HttpResponse:
    context = {
        "settings": BksbSettings.load(),
        "your_rights": [(label, check(request.user)) for label, check in YOUR_RIGHTS],
    }
    return render(request, "bksb_integration/summary.html", context)


# The secrets typed here, and everything below this view while it saves them, stay out of error reports.
@sensitive_post_parameters("secret_access_key", "default_password")
@sensitive_variables()
@bksb_view(access.can_manage_bksb_settings)
def settings_edit(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = BksbSettingsForm(request.POST if request.method == "POST" else None, settings=settings)
    if request.method == "POST" and form.is_valid():
        saved = settings_update(settings=settings, change=form.change)
        messages.success(request, "Settings saved." if saved.changed else "Nothing changed.")
        if saved.notice:
            messages.warning(request, saved.notice)
        return redirect("bksb:summary")
    return _settings_page(request, settings, form, DownloadOptionsForm(instance=settings))


@bksb_view(access.can_manage_bksb_settings)
@require_POST
def download_options_edit(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    options = DownloadOptionsForm(request.POST, instance=settings)
    if options.is_valid():
        if options.has_changed():
            options.save(commit=False).save(update_fields=[*options.changed_data, "updated_at"])
        messages.success(request, "Download options saved.")
        return redirect("bksb:settings")
    return _settings_page(request, settings, BksbSettingsForm(settings=settings), options)


def _settings_page(
    request: HttpRequest, settings: BksbSettings, form: BksbSettingsForm, options: DownloadOptionsForm
) -> HttpResponse:
    status = 400 if form.errors or options.errors else 200
    context = {"settings": settings, "form": form, "options": options}
    return render(request, "bksb_integration/settings.html", context, status=status)


@sensitive_variables()
@bksb_view(access.can_manage_bksb_settings)
@require_POST
def test_connection(request: StaffRequest) -> HttpResponse:
    settings = BksbSettings.load()
    result = connection_test(settings=settings)
    if request.htmx:
        context = {"settings": settings, "just_tested": True}
        return render(request, "bksb_integration/_status.html", context)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("bksb:summary")
