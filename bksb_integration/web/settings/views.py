"""Integrations > bksb: the summary, the Settings form and Test connection."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from bksb_integration.config.connection import ConnectionTestResult, connection_retest, connection_test
from bksb_integration.config.settings_change import settings_update
from bksb_integration.models import BksbSettings
from bksb_integration.unmatched.views import last_automatic_job, unmatched_summary
from bksb_integration.web.settings.forms import BksbSettingsForm, DownloadOptionsForm
from permissions import access
from permissions.decorators import StaffRequest
from permissions.guards import bksb_view

# (label, check) for the "Your access" panel: what this member of staff may do here.
YOUR_RIGHTS = [
    ("Get BKSB Results", access.can_get_bksb_results),
    ("Get Results for all learners", access.can_get_results_for_all),
    ("Create BKSB User", access.can_create_bksb_user),
    ("Edit BKSB Link", access.can_edit_bksb_link),
    ("Reset BKSB Download", access.can_reset_bksb_download),
    ("Manage BKSB Settings", access.can_manage_bksb_settings),
]


@bksb_view(access.can_see_bksb)
def summary(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    context = {
        "settings": settings,
        "your_rights": [(label, check(request.user)) for label, check in YOUR_RIGHTS],
        "unmatched": unmatched_summary(request, settings),
        "last_automatic_job": last_automatic_job() if settings.auto_create_users else None,
    }
    return render(request, "bksb_integration/settings/summary.html", context)


# The secrets typed here, and everything below this view while it saves them, stay out of error reports.
@sensitive_post_parameters("secret_access_key", "default_password")
@sensitive_variables()
@bksb_view(access.can_manage_bksb_settings)
def settings_edit(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = BksbSettingsForm(request.POST if request.method == "POST" else None, settings=settings)
    if request.method == "POST" and form.is_valid():
        saved = settings_update(settings=settings, change=form.change)
        _saved_message(request, saved.changed, connection_retest(settings=settings, changed=saved.changed))
        if saved.notice:
            messages.warning(request, saved.notice)
        return redirect("bksb:settings")
    return _settings_page(request, settings, form, DownloadOptionsForm(instance=settings))


def _saved_message(request: HttpRequest, changed: list[str], test: ConnectionTestResult | None) -> None:
    """What Save did, with the connection test it made when the url or keys changed."""
    if not changed:
        messages.info(request, "Nothing changed.")
    elif test is None:
        messages.success(request, "Settings saved.")
    elif not test.tested:
        messages.warning(request, f"Settings saved. The connection was not tested: {test.message}")
    elif test.ok:
        messages.success(request, f"Settings saved and the connection tested. {test.message}")
    else:
        messages.error(request, f"Settings saved, but the connection test failed: {test.message}")


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
    return render(request, "bksb_integration/settings/settings.html", context, status=status)


@sensitive_variables()
@bksb_view(access.can_manage_bksb_settings)
@require_POST
def test_connection(request: StaffRequest) -> HttpResponse:
    settings = BksbSettings.load()
    connection_test(settings=settings)
    # The status card shows the outcome (once): redrawn in place, or on the page reloaded.
    if request.htmx:
        return render(request, "bksb_integration/tab/_status.html", {"settings": settings})
    return redirect(reverse("bksb:summary") + "#bksb-status")
