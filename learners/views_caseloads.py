"""Tools > Caseloads: which tutor groups each member of staff restricted to their own caseload reaches."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from learners.models import CaseloadGroup, Learner
from permissions.access import can_edit_permissions
from permissions.decorators import staff_required

RESTRICTION = "own_caseload_only"
MAX_GROUPS = 200


class TutorGroupsForm(forms.Form):
    tutor_groups = forms.CharField(
        label="Tutor groups",
        required=False,
        max_length=5000,
        help_text="Separated by commas, as the import's tutor_group column writes them.",
    )

    def clean_tutor_groups(self) -> list[str]:
        groups = sorted({group.strip() for group in self.cleaned_data["tutor_groups"].split(",") if group.strip()})
        if too_long := [group for group in groups if len(group) > 50]:
            raise forms.ValidationError(f"A tutor group has at most 50 characters: {too_long[0][:60]}")
        if len(groups) > MAX_GROUPS:
            raise forms.ValidationError(f"At most {MAX_GROUPS} tutor groups for one person.")
        return groups


def restricted_staff() -> list[User]:
    """Staff holding Own caseload only, themselves or through a group, by username."""
    held = Q(user_permissions__codename=RESTRICTION) | Q(groups__permissions__codename=RESTRICTION)
    return list(User.objects.filter(held, is_staff=True, is_superuser=False).distinct().order_by("username"))


@staff_required(can_edit_permissions)
@require_http_methods(["GET", "POST"])
def caseloads(request: HttpRequest) -> HttpResponse:
    """Each restricted person's tutor groups; Save on a row replaces that person's groups."""
    if request.method == "POST":
        return _save(request)
    staff = restricted_staff()
    groups: dict[int, list[str]] = {}
    for user_id, group in CaseloadGroup.objects.filter(user__in=staff).values_list("user_id", "tutor_group"):
        groups.setdefault(user_id, []).append(group)
    counts = dict(Learner.objects.exclude(tutor_group="").values_list("tutor_group").annotate(n=Count("pk")).order_by())
    rows = [
        (
            person,
            TutorGroupsForm(initial={"tutor_groups": ", ".join(groups.get(person.pk, []))}, prefix=f"u{person.pk}"),
            sum(counts.get(group, 0) for group in groups.get(person.pk, [])),
        )
        for person in staff
    ]
    context = {"rows": rows, "enabled": settings.CASELOADS_ENABLED}
    return render(request, "learners/caseloads.html", context)


def _save(request: HttpRequest) -> HttpResponse:
    user_id = request.POST.get("user", "")
    person = get_object_or_404(User, pk=int(user_id) if user_id.isdigit() else 0, is_staff=True)
    form = TutorGroupsForm(request.POST, prefix=f"u{person.pk}")
    if not form.is_valid():
        messages.error(request, f"{person.get_username()}: {' '.join(str(e) for e in form.errors['tutor_groups'])}")
        return redirect("learners:caseloads")
    chosen: list[str] = form.cleaned_data["tutor_groups"]
    with transaction.atomic():
        # Row by row (a handful), so the audit trail records each group taken away or given, and by whom.
        CaseloadGroup.objects.filter(user=person).exclude(tutor_group__in=chosen).delete()
        held = set(CaseloadGroup.objects.filter(user=person).values_list("tutor_group", flat=True))
        for group in chosen:
            if group not in held:
                CaseloadGroup.objects.get_or_create(user=person, tutor_group=group)
    messages.success(request, f"{person.get_username()}'s caseload: {', '.join(chosen) or 'no tutor group'}.")
    return redirect("learners:caseloads")
