"""The learner Hub (web users only) and its staff settings page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET

from bksb_integration.models import BksbSettings
from hub.forms import HubSettingsForm
from hub.guards import WebUserRequest, web_user_required
from hub.selectors import bksb_button_shown, latest_levels, levels_shown
from hub.services import bksb_destination
from learners.models import Learner, WebUser
from permissions import access
from permissions.decorators import staff_required


def _own_learner(request: WebUserRequest) -> Learner:
    """The signed-in web user's own record: the Hub never takes a learner id from the URL."""
    return WebUser.objects.select_related("learner", "user").get(user=request.user).learner


@web_user_required
def dashboard(request: WebUserRequest) -> HttpResponse:
    learner = _own_learner(request)
    settings = BksbSettings.load()
    show_levels = levels_shown(settings)
    context = {
        "learner": learner,
        "bksb_button": bksb_button_shown(learner=learner, settings=settings),
        "show_levels": show_levels,
        "levels": latest_levels(learner=learner) if show_levels else [],
    }
    return render(request, "hub/dashboard.html", context)


@sensitive_variables()  # the secret, and the sign-on link, pass below this view
@web_user_required
@never_cache
@require_GET
def bksb(request: WebUserRequest) -> HttpResponse:
    """The BKSB button: off to bksb, signed in when single sign-on works."""
    learner = _own_learner(request)
    settings = BksbSettings.load()
    if not bksb_button_shown(learner=learner, settings=settings):
        raise Http404("There is no BKSB button for this account.")
    destination = bksb_destination(learner=learner, settings=settings)
    if destination.fallback:
        return render(request, "hub/bksb_fallback.html", {"destination": destination})
    return HttpResponseRedirect(destination.url)


@staff_required(access.can_manage_bksb_settings)
def system_configuration(request: HttpRequest) -> HttpResponse:
    settings = BksbSettings.load()
    form = HubSettingsForm(request.POST if request.method == "POST" else None, instance=settings)
    if request.method == "POST" and form.is_valid():
        changed = form.save_settings()
        messages.success(request, "System configuration saved." if changed else "Nothing changed.")
        return redirect("hub:system_configuration")
    return render(request, "hub/system_configuration.html", {"form": form, "settings": settings})
