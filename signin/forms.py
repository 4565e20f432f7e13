from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from signin.models import GroupClaimMapping
from signin.policy import local_password_allowed


class SignInForm(AuthenticationForm):
    """The password form: refuses staff accounts with a clear message while local passwords are off."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and not local_password_allowed(username):
            raise forms.ValidationError(
                f"Local passwords are turned off for staff accounts. Use “Sign in with {settings.OIDC_PROVIDER_NAME}”.",
                code="local_passwords_off",
            )
        return super().clean()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class GroupClaimForm(forms.ModelForm[GroupClaimMapping]):
    class Meta:
        model = GroupClaimMapping
        fields = ["claim_value", "group", "description"]
        labels = {"claim_value": "Claim value", "group": "Permission group"}
