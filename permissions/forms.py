"""Forms of Tools > Edit Permissions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db.models import QuerySet

from permissions.models import COMMAND_PERMISSIONS, GENERAL_PERMISSIONS, RESTRICTION_PERMISSIONS
from permissions.services import Target

VISIBLE, HIDDEN = "visible", "hidden"


def staff_accounts() -> QuerySet[User]:
    """Accounts whose rights can be edited: staff, never a learner's web user."""
    return get_user_model().objects.filter(is_staff=True, web_user__isnull=True).order_by("username")


class TargetForm(forms.Form):
    """Choose one user or one group; the choice is `u<id>` or `g<id>`."""

    target = forms.ChoiceField(label="User or group")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = [(f"g{g.pk}", g.name) for g in Group.objects.order_by("name")]
        users = [(f"u{u.pk}", _user_label(u)) for u in staff_accounts()]
        cast(forms.ChoiceField, self.fields["target"]).choices = [("", "Choose…"), ("Groups", groups), ("Users", users)]

    def chosen(self) -> Target:
        value = self.cleaned_data["target"]
        if value.startswith("g"):
            return Group.objects.get(pk=int(value[1:]))
        return staff_accounts().get(pk=int(value[1:]))


def _user_label(user: User) -> str:
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{user.get_username()} ({name})" if name else user.get_username()


class RightsForm(forms.Form):
    """The Modules and Commands tabs: every named right as one field."""

    bksb_module = forms.ChoiceField(
        label="BKSB API Integration",
        choices=[(VISIBLE, "Visible"), (HIDDEN, "Hidden")],
        widget=forms.RadioSelect,
        initial=HIDDEN,
    )
    bksb_commands = forms.MultipleChoiceField(
        label="BKSB",
        choices=COMMAND_PERMISSIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    general = forms.MultipleChoiceField(
        label="General",
        choices=GENERAL_PERMISSIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    restrictions = forms.MultipleChoiceField(
        label="Restrictions",
        choices=RESTRICTION_PERMISSIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Own caseload only: with caseloads on, only the records of their tutor groups (Tools > Caseloads) "
        "and those whose tutor is them.",
    )

    @classmethod
    def initial_for(cls, rights: set[str]) -> dict[str, Any]:
        return {
            "bksb_module": VISIBLE if "bksb_module" in rights else HIDDEN,
            "bksb_commands": [code for code, _ in COMMAND_PERMISSIONS if code in rights],
            "general": [code for code, _ in GENERAL_PERMISSIONS if code in rights],
            "restrictions": [code for code, _ in RESTRICTION_PERMISSIONS if code in rights],
        }

    def codenames(self) -> set[str]:
        data = self.cleaned_data
        chosen = set(data["bksb_commands"]) | set(data["general"]) | set(data["restrictions"])
        if data["bksb_module"] == VISIBLE:
            chosen.add("bksb_module")
        return chosen
