import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from permissions.access import is_staff_user, is_web_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send staff to the learner list and learners to their Hub."""
    if is_web_user(request.user):
        try:
            return redirect(reverse("hub:dashboard"))
        except NoReverseMatch:
            raise PermissionDenied from None
    if is_staff_user(request.user):
        return redirect("learners:list")
    raise PermissionDenied


# The axe-core the browser tests run (package.json's devDependency; a test keeps the two equal), and when the
# statement below was prepared from their results. Change both when the checks are run again on a new release.
AXE_CORE_VERSION = "4.14.1"
STATEMENT_PREPARED = dt.date(2026, 12, 6)


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, in the UK government's model wording, open to anyone signed in or not."""
    return render(
        request,
        "bksbmis/accessibility_statement.html",
        {
            "organisation": settings.ACCESSIBILITY_ORGANISATION,
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "contact_phone": settings.ACCESSIBILITY_CONTACT_PHONE,
            "response_days": settings.ACCESSIBILITY_RESPONSE_DAYS,
            "axe_core_version": AXE_CORE_VERSION,
            "prepared": STATEMENT_PREPARED,
            "site": request.build_absolute_uri("/"),
        },
    )
