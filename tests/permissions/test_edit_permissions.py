"""Tools > Edit Permissions: granting named rights to users and groups, effective at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from permissions.models import PermissionChange
from permissions.services import rights_of

pytestmark = pytest.mark.django_db

EDIT = reverse("permissions:edit")


def _open(client, target) -> str:
    prefix = "g" if isinstance(target, Group) else "u"
    return f"{EDIT}?target={prefix}{target.pk}"


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(EDIT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["tutor", "manager", "outsider", "web_user"])
def test_only_edit_permissions_opens_the_screen(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT + "?target=g1", {"bksb_module": "visible"}).status_code == 403


def test_staff_with_edit_permissions_opens_the_screen(client, staff_with, roles):
    client.force_login(staff_with("edit_permissions"))
    response = client.get(EDIT)
    assert response.status_code == 200
    assert "Tutors" in response.text


def test_the_chooser_lists_groups_and_staff_but_never_web_users(client, admin_user, tutor, web_user):
    client.force_login(admin_user)
    text = client.get(EDIT).text
    assert "Administrators" in text
    assert "tutor1" in text
    assert "demo.learner0001" not in text
    assert client.get(f"{EDIT}?target=u{web_user.user.pk}").status_code == 200
    assert "Rights of" not in client.get(f"{EDIT}?target=u{web_user.user.pk}").text


def test_the_screen_shows_modules_and_commands_with_the_named_rights(client, admin_user, roles):
    client.force_login(admin_user)
    text = client.get(_open(client, roles["Tutors"])).text
    for label in [
        "Modules",
        "Commands",
        "BKSB API Integration",
        "Visible",
        "Hidden",
        "Get BKSB Results",
        "Get Results for all learners",
        "Create BKSB User",
        "Edit BKSB Link",
        "Reset BKSB Download",
        "Manage BKSB Settings",
        "View learners",
        "Import learners",
        "Edit permissions",
        "View audit trail",
        "Apply",
    ]:
        assert label in text, label


def test_modules_and_commands_are_tabs_that_work_as_links(client, admin_user, roles):
    client.force_login(admin_user)
    url = _open(client, roles["Tutors"])
    text = client.get(url).text
    assert '<div class="tabs" role="tablist" aria-label="Rights">' in text
    modules = text.split('id="tab-modules"')[1].split(">")[0]
    commands = text.split('id="tab-commands"')[1].split(">")[0]
    assert 'aria-selected="true"' in modules
    assert 'aria-controls="panel-modules"' in modules
    assert 'aria-selected="false"' in commands
    assert 'tabindex="-1"' in commands
    assert f'href="{url}&amp;tab=commands"' in text
    assert '<div id="panel-modules" role="tabpanel" aria-labelledby="tab-modules" tabindex="0">' in text
    assert '<div id="panel-commands" role="tabpanel" aria-labelledby="tab-commands" tabindex="0" hidden>' in text
    # Both panels stay in the form, so applying from one tab keeps the other's rights.
    assert 'name="bksb_module"' in text
    assert 'name="bksb_commands"' in text

    on_commands = client.get(url + "&tab=commands").text
    assert '<div id="panel-modules" role="tabpanel" aria-labelledby="tab-modules" tabindex="0" hidden>' in on_commands
    assert '<div id="panel-commands" role="tabpanel" aria-labelledby="tab-commands" tabindex="0">' in on_commands


def test_applying_returns_to_the_tab_it_was_made_on(client, admin_user, roles):
    tutors = roles["Tutors"]
    client.force_login(admin_user)
    data = {"bksb_module": "visible", "bksb_commands": ["get_bksb_results"], "general": ["view_learners"]}
    response = client.post(_open(client, tutors), {**data, "tab": "commands"})
    assert response["Location"] == f"{EDIT}?target=g{tutors.pk}&tab=commands"


def test_granting_a_group_a_right_takes_effect_for_its_members_at_once(client, admin_user, tutor, roles):
    tutors = roles["Tutors"]
    client.force_login(admin_user)
    data = {
        "bksb_module": "visible",
        "bksb_commands": ["get_bksb_results", "create_bksb_user"],
        "general": ["view_learners"],
    }
    response = client.post(_open(client, tutors), data)
    assert response.status_code == 302
    assert "create_bksb_user" in rights_of(tutors)

    client.force_login(tutor)
    text = client.get(reverse("bksb:summary")).text
    assert "Create BKSB User</dt><dd>Yes" in text


def test_hiding_the_module_from_a_group_removes_the_bksb_pages(client, admin_user, tutor, roles):
    client.force_login(admin_user)
    client.post(_open(client, roles["Tutors"]), {"bksb_module": "hidden", "general": ["view_learners"]})
    client.force_login(tutor)
    assert client.get(reverse("bksb:summary")).status_code == 403


def test_a_user_sees_rights_from_their_groups_and_gets_the_union(client, admin_user, tutor):
    client.force_login(admin_user)
    text = client.get(_open(client, tutor)).text
    assert "Also granted through groups" in text
    assert "Visible anyway through the group Tutors" in text

    client.post(_open(client, tutor), {"bksb_module": "hidden", "bksb_commands": ["edit_bksb_link"]})
    assert rights_of(tutor) == {"edit_bksb_link"}
    tutor.refresh_from_db()
    assert tutor.has_perm("permissions.edit_bksb_link")
    assert tutor.has_perm("permissions.get_bksb_results")


def test_every_change_is_recorded_with_who_and_what(client, admin_user, roles):
    client.force_login(admin_user)
    managers = roles["Managers"]
    client.post(_open(client, managers), {"bksb_module": "visible", "bksb_commands": ["manage_bksb_settings"]})
    change = PermissionChange.objects.get()
    assert change.changed_by == admin_user
    assert change.target_group == managers
    assert change.added == ["manage_bksb_settings"]
    assert "get_bksb_results" in change.removed
    assert "view_learners" in change.removed


def test_applying_the_same_rights_records_nothing(client, admin_user, roles):
    client.force_login(admin_user)
    tutors = ["get_bksb_results", "record_em_decisions"]  # the Tutors' starting rights (permissions/roles.py)
    data = {"bksb_module": "visible", "bksb_commands": tutors, "general": ["view_learners"]}
    client.post(_open(client, roles["Tutors"]), data)
    assert not PermissionChange.objects.exists()


def test_other_django_permissions_are_left_alone(client, admin_user, tutor):
    from django.contrib.auth.models import Permission

    other = Permission.objects.get(codename="view_learner")
    tutor.user_permissions.add(other)
    client.force_login(admin_user)
    client.post(_open(client, tutor), {"bksb_module": "hidden"})
    assert tutor.user_permissions.filter(pk=other.pk).exists()


def test_an_unknown_right_is_refused(client, admin_user, roles):
    client.force_login(admin_user)
    response = client.post(_open(client, roles["Tutors"]), {"bksb_module": "visible", "bksb_commands": ["superuser"]})
    assert response.status_code == 400
    assert not PermissionChange.objects.exists()


def test_the_tools_menu_offers_the_screens_only_to_those_allowed(client, admin_user, tutor):
    client.force_login(admin_user)
    text = client.get(reverse("learners:list")).text
    assert reverse("permissions:edit") in text
    assert reverse("permissions:audit") in text
    client.force_login(tutor)
    text = client.get(reverse("learners:list")).text
    assert reverse("permissions:edit") not in text
    assert reverse("permissions:audit") not in text
