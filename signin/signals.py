"""Every sign-in goes in the sign-in log (Tools > Sign-ins)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from signin.policy import has_second_factor, second_factor_opted_in_note
from signin.services import sign_in_record


@receiver(user_logged_in, dispatch_uid="signin.log")
def _log_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    sign_in_record(request=request, user=user)
    if hasattr(request, "session") and user.is_staff:
        second_factor_opted_in_note(request=request, on=has_second_factor(user))
