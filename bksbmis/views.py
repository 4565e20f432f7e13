from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
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
