"""Tools > Edit Permissions and Tools > Audit trail."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from permissions.access import can_edit_permissions, can_manage_bksb_settings, can_view_audit
from permissions.audit import audit_entries, audit_source_choices
from permissions.decorators import StaffRequest, staff_required
from permissions.forms import RightsForm, TargetForm
from permissions.services import RIGHT_LABELS, rights_apply, rights_from_groups, rights_of, target_label

AUDIT_PAGE_SIZE = 50
# The rights form's tabs: (key, label). Both panels are in the form; the tab only chooses which shows.
TABS = [("modules", "Modules"), ("commands", "Commands")]


def _tab(value: str | None) -> str:
    return value if value in dict(TABS) else TABS[0][0]


@staff_required(can_edit_permissions)
def edit(request: StaffRequest) -> HttpResponse:
    picker = TargetForm(request.GET if "target" in request.GET else None)
    if not picker.is_valid():
        return render(request, "permissions/edit.html", {"picker": picker})
    target = picker.chosen()
    rights = rights_of(target)
    tab = _tab(request.POST.get("tab") or request.GET.get("tab"))
    form = RightsForm(request.POST if request.method == "POST" else None, initial=RightsForm.initial_for(rights))
    if request.method == "POST" and form.is_valid():
        change = rights_apply(actor=request.user, target=target, codenames=form.codenames())
        messages.success(request, f"Rights of {target_label(target)} saved." if change else "Nothing changed.")
        return redirect(f"{request.path}?{urlencode({'target': picker.cleaned_data['target'], 'tab': tab})}")
    if "bksb_module" in form.errors:
        tab = "modules"  # show the refused field
    elif form.errors.keys() & {"bksb_commands", "general"}:
        tab = "commands"
    from_groups = {} if isinstance(target, Group) else rights_from_groups(target)
    context = {
        "picker": picker,
        "target": target,
        "target_label": target_label(target),
        "form": form,
        "from_groups": [(RIGHT_LABELS[code], groups) for code, groups in from_groups.items()],
        "module_from_groups": from_groups.get("bksb_module", []),
        "tab": tab,
        "tabs": TABS,
    }
    return render(request, "permissions/edit.html", context, status=400 if form.errors else 200)


@staff_required(can_view_audit)
def audit(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    if source not in dict(audit_source_choices()):
        source = ""
    entries = audit_entries(source=source, show_key_ids=can_manage_bksb_settings(request.user))
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "source": source, "sources": audit_source_choices()}
    return render(request, "permissions/audit.html", context)
