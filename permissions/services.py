"""Granting and removing the named rights, with a record of every change."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models import QuerySet

from permissions.models import (
    COMMAND_PERMISSIONS,
    GENERAL_PERMISSIONS,
    MODULE_PERMISSIONS,
    RESTRICTION_PERMISSIONS,
    PermissionChange,
)

RIGHT_LABELS: dict[str, str] = dict(
    MODULE_PERMISSIONS + COMMAND_PERMISSIONS + GENERAL_PERMISSIONS + RESTRICTION_PERMISSIONS
)

Target = User | Group


def _perms_of(target: Target) -> Any:  # the permissions related manager
    return target.permissions if isinstance(target, Group) else target.user_permissions


def _named(queryset: QuerySet[Permission]) -> QuerySet[Permission]:
    return queryset.filter(content_type__app_label="permissions", codename__in=RIGHT_LABELS)


def rights_of(target: Target) -> set[str]:
    """The named rights held directly by a user (not through groups) or by a group."""
    return set(_named(_perms_of(target).all()).values_list("codename", flat=True))


def rights_from_groups(user: User) -> dict[str, list[str]]:
    """For a user: each named right their groups give them, with the groups' names."""
    found: dict[str, list[str]] = defaultdict(list)
    rows = _named(Permission.objects.filter(group__user=user)).values_list("codename", "group__name")
    for codename, group in rows.order_by("group__name"):
        found[codename].append(group)
    return dict(found)


def rights_apply(*, actor: User, target: Target, codenames: set[str]) -> PermissionChange | None:
    """Give the target exactly these named rights (others are untouched); record what changed.

    Effective on the target's next request: Django reads permissions afresh per request.
    """
    wanted = set(codenames) & set(RIGHT_LABELS)
    with transaction.atomic():
        held = rights_of(target)
        added, removed = sorted(wanted - held), sorted(held - wanted)
        if not added and not removed:
            return None
        perms = _named(Permission.objects.all())
        _perms_of(target).add(*perms.filter(codename__in=added))
        _perms_of(target).remove(*perms.filter(codename__in=removed))
        return PermissionChange.objects.create(
            changed_by=actor,
            target_user=None if isinstance(target, Group) else target,
            target_group=target if isinstance(target, Group) else None,
            target_label=target_label(target),
            added=added,
            removed=removed,
        )


def target_label(target: Target) -> str:
    if isinstance(target, Group):
        return f"Group {target.name}"
    return f"User {target.get_username()}"
