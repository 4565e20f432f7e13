"""Get Results for all learners: a right of its own, and existing installations keeping their behaviour."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission

from permissions import access
from permissions.models import PermissionChange
from permissions.services import rights_of

pytestmark = pytest.mark.django_db

NEW = "get_all_bksb_results"


def _rights(*codenames: str) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label="permissions", codename__in=codenames))


def _migrate() -> None:
    importlib.import_module("permissions.migrations.0003_get_results_for_all").forwards(django_apps, None)


def test_managers_and_admins_hold_it_and_tutors_do_not(manager, admin_user, tutor):
    assert access.can_get_results_for_all(manager)
    assert access.can_get_results_for_all(admin_user)
    assert not access.can_get_results_for_all(tutor)
    assert access.can_get_bksb_results(tutor)


def test_it_needs_the_bksb_module(staff_with):
    assert not access.can_get_results_for_all(staff_with(NEW))
    assert access.can_get_results_for_all(staff_with("bksb_module", NEW, username="second"))


def test_the_migration_grants_it_where_get_bksb_results_went_with_edit_bksb_link(staff_with):
    office = Group.objects.create(name="Office")  # a manager-like group made on Edit Permissions
    office.permissions.add(*_rights("bksb_module", "get_bksb_results", "edit_bksb_link"))
    teachers = Group.objects.create(name="Teachers")  # tutor-like: one learner at a time
    teachers.permissions.add(*_rights("bksb_module", "get_bksb_results"))
    linkers = Group.objects.create(name="Linkers")
    linkers.permissions.add(*_rights("bksb_module", "edit_bksb_link"))
    direct = staff_with("bksb_module", "get_bksb_results", "edit_bksb_link", username="direct1")
    alone = staff_with("bksb_module", "get_bksb_results", username="alone1")

    _migrate()

    assert NEW in rights_of(office)
    assert NEW not in rights_of(teachers)
    assert NEW not in rights_of(linkers)
    assert NEW in rights_of(direct)
    assert NEW not in rights_of(alone)
    changes = PermissionChange.objects.filter(added=[NEW])
    assert sorted(changes.values_list("target_label", flat=True)) == ["Group Office", "User direct1"]
    assert all(change.changed_by is None for change in changes)


def test_the_migration_changes_nothing_twice(staff_with):
    office = Group.objects.create(name="Office")
    office.permissions.add(*_rights("get_bksb_results", "edit_bksb_link"))
    _migrate()
    _migrate()
    assert PermissionChange.objects.filter(target_label="Group Office").count() == 1
