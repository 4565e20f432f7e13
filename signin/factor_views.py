"""Your second factor: set up the authenticator app, use it (or a recovery code), renew codes, turn it off."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from permissions.decorators import StaffRequest, staff_required
from signin.forms import CodeForm
from signin.policy import has_second_factor, second_factor_mandatory, second_factor_opted_in_note
from signin.second_factor import (
    RECOVERY_DEVICE,
    app_device,
    app_qr_code,
    app_secret,
    app_throttled,
    pending_app_device,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_confirm,
    second_factor_remove,
    second_factor_verify,
)

THROTTLED = "Too many wrong codes: wait a few seconds, then type the code your app shows now."


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target else "/"


@staff_required()
def setup(request: StaffRequest) -> HttpResponse:
    """Set up the app (scan the code, type what it shows), or, once it is on and used, manage it."""
    user = request.user
    if has_second_factor(user):
        if not user.is_verified():  # type: ignore[attr-defined]
            return redirect("signin:factor_verify")
        manage = {"codes_left": recovery_codes_left(user=user), "mandatory": second_factor_mandatory(user)}
        return render(request, "signin/factor_manage.html", manage)
    device = pending_app_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and app_throttled(device):
        form.add_error("code", THROTTLED)
    elif request.method == "POST" and form.is_valid():
        codes = second_factor_confirm(request=request, user=user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            second_factor_opted_in_note(request=request, on=True)
            return render(request, "signin/recovery_codes.html", {"codes": codes, "next": _next(request), "new": True})
        form.add_error("code", "That code is not right. Type the six digits your app shows now.")
    context: dict[str, object] = {
        "form": form,
        "qr_code": app_qr_code(device),
        "secret": app_secret(device),
        "mandatory": second_factor_mandatory(user),
        "next": _next(request),
    }
    return render(request, "signin/factor_setup.html", context, status=400 if form.errors else 200)


@staff_required()
def verify(request: StaffRequest) -> HttpResponse:
    """The second step of a password sign-in: a code from the app, or a recovery code."""
    if not has_second_factor(request.user):
        # Reset by an admin since this session began: nothing to verify, so set one up (or, if optional, not).
        second_factor_opted_in_note(request=request, on=False)
        return redirect("signin:factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and app_throttled(app_device(user=request.user)):
        form.add_error("code", THROTTLED)
    elif request.method == "POST" and form.is_valid():
        used = second_factor_verify(request=request, user=request.user, code=form.cleaned_data["code"])
        if used == RECOVERY_DEVICE:
            left = recovery_codes_left(user=request.user)
            messages.warning(
                request, f"You used a recovery code: {left} left. Make new ones, or set up your app again."
            )
            return redirect("signin:factor_setup")
        if used:
            return redirect(_next(request))
        form.add_error(
            "code", "That code is not right, or was already used. Type the code your app shows now, or a recovery code."
        )
    return render(
        request, "signin/factor_verify.html", {"form": form, "next": _next(request)}, status=400 if form.errors else 200
    )


@staff_required()
@require_POST
def recovery_codes(request: StaffRequest) -> HttpResponse:
    if not has_second_factor(request.user) or not request.user.is_verified():  # type: ignore[attr-defined]
        raise PermissionDenied
    codes = recovery_codes_renew(user=request.user)
    return render(request, "signin/recovery_codes.html", {"codes": codes, "next": "/", "new": False})


@staff_required()
@require_POST
def replace_app(request: StaffRequest) -> HttpResponse:
    """A new phone: remove the old app and set up again (the session stays verified meanwhile)."""
    if not request.user.is_verified():  # type: ignore[attr-defined]
        raise PermissionDenied
    second_factor_remove(user=request.user, actor=request.user)
    second_factor_opted_in_note(request=request, on=False)
    messages.info(request, "Your old app no longer works here. Set up the new one now.")
    return redirect("signin:factor_setup")


@staff_required()
@require_POST
def turn_off(request: StaffRequest) -> HttpResponse:
    if second_factor_mandatory(request.user) or not request.user.is_verified():  # type: ignore[attr-defined]
        raise PermissionDenied
    second_factor_remove(user=request.user, actor=request.user)
    second_factor_opted_in_note(request=request, on=False)
    messages.success(request, "Second factor turned off.")
    return redirect("home")
