"""Tools > Group claims: which values of the provider's group claim grant which permission groups."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from permissions.access import can_edit_permissions
from permissions.decorators import StaffRequest, staff_required
from signin.forms import GroupClaimForm
from signin.models import GroupClaimMapping


@staff_required(can_edit_permissions)
def group_claims(request: StaffRequest) -> HttpResponse:
    form = GroupClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mapping = form.save()
        messages.success(request, f"“{mapping.claim_value}” now grants {mapping.group.name} at each sign-in.")
        return redirect("signin:group_claims")
    context = {
        "form": form,
        "mappings": GroupClaimMapping.objects.select_related("group"),
        "claim": settings.OIDC_GROUPS_CLAIM,
        "provider_name": settings.OIDC_PROVIDER_NAME,
    }
    return render(request, "signin/group_claims.html", context, status=400 if form.errors else 200)


@staff_required(can_edit_permissions)
@require_POST
def group_claim_delete(request: StaffRequest, mapping_id: int) -> HttpResponse:
    mapping = get_object_or_404(GroupClaimMapping, pk=mapping_id)
    mapping.delete()
    messages.success(request, f"“{mapping.claim_value}” no longer grants {mapping.group.name}.")
    return redirect("signin:group_claims")
