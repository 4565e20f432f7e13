"""Starting groups for a new installation; admins adjust them on Edit Permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from permissions.models import COMMAND_PERMISSIONS, GENERAL_PERMISSIONS, MODULE_PERMISSIONS

ALL = [code for code, _ in MODULE_PERMISSIONS + COMMAND_PERMISSIONS + GENERAL_PERMISSIONS]

ROLES: dict[str, list[str]] = {
    "Administrators": ALL,
    "Managers": [
        "view_learners",
        "import_learners",
        "view_prior_attainment",
        "view_audit",
        "bksb_module",
        "get_bksb_results",
        "get_all_bksb_results",
        "create_bksb_user",
        "edit_bksb_link",
        "reset_bksb_download",
        "record_em_decisions",
    ],
    "Tutors": ["view_learners", "bksb_module", "get_bksb_results", "record_em_decisions"],
}


def roles_ensure() -> dict[str, Group]:
    """Create the starting groups with their permissions (idempotent)."""
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="permissions")}
    groups = {}
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(perms[code] for code in codes))
        groups[name] = group
    return groups
