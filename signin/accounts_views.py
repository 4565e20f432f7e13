"""Tools > Sign-ins: who signed in and when, who has a second factor, and resetting one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from permissions.access import can_edit_permissions
from permissions.decorators import StaffRequest, staff_required
from signin.policy import second_factor_mandatory
from signin.second_factor import second_factor_remove
from signin.selectors import latest_sign_ins, staff_accounts


@staff_required(can_edit_permissions)
def sign_ins(request: StaffRequest) -> HttpResponse:
    accounts = list(staff_accounts())
    context = {"accounts": accounts, "events": latest_sign_ins()}
    return render(request, "signin/sign_ins.html", context)


@staff_required(can_edit_permissions)
@require_POST
def factor_reset(request: StaffRequest, user_id: int) -> HttpResponse:
    """An admin removes another account's lost second factor: it sets one up again at its next sign-in."""
    target = get_object_or_404(User, pk=user_id, is_staff=True)
    second_factor_remove(user=target, actor=request.user)
    then = " It must set up a new one at its next sign-in." if second_factor_mandatory(target) else ""
    messages.success(request, f"Second factor of {target.get_username()} reset.{then}")
    return redirect("signin:sign_ins")
