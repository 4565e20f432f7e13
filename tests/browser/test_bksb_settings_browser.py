"""Integrations > bksb and Edit Permissions, driven in real Chromium the way staff use them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from tests.fakes import KEY, SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_text(name, exact=True).click()


def _open_bksb(page) -> None:
    _menu(page, "Integrations")
    page.get_by_role("link", name="bksb", exact=True).click()
    expect(page.get_by_role("heading", name="Integration Status")).to_be_visible()


def test_admin_sets_the_keys_and_tests_the_connection(page, live_server, browser_login, admin_user, sandbox):
    browser_login("admin1", "pw-admin1")
    _open_bksb(page)
    expect(page.get_by_text("Not tested with the current url and keys")).to_be_visible()

    page.get_by_role("link", name="Settings", exact=True).first.click()
    page.get_by_label("Integration Enabled").check()
    page.get_by_label("BKSB API url").fill(sandbox.url)
    page.get_by_label("Access Key ID").fill(KEY)
    page.get_by_label("Secret Access Key", exact=True).fill(SECRET)
    page.get_by_label("Default Password", exact=True).fill("Welcome-2026!")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(
        page.get_by_text("Settings saved and the connection tested. Connected: bksb accepted the key.")
    ).to_be_visible()
    expect(page.get_by_text("One is stored (never shown). Leave blank to keep it.").first).to_be_visible()
    expect(page.get_by_label("Secret Access Key", exact=True)).to_have_value("")
    assert SECRET not in page.content()

    _open_bksb(page)
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status").filter(has_text="Connected: bksb accepted the key.")).to_be_visible()
    expect(page.get_by_text("Connected: bksb accepted the key.")).to_have_count(1)
    assert SECRET not in page.content()


def test_saving_a_wrong_key_says_the_test_failed_instead_of_settings_saved(
    page, live_server, browser_login, admin_user, sandbox
):
    browser_login("admin1", "pw-admin1")
    page.goto(live_server.url + "/integrations/bksb/settings/")
    page.get_by_label("BKSB API url").fill(sandbox.url)
    page.get_by_label("Access Key ID").fill(KEY)
    expect(page.get_by_text("None is stored yet.").first).to_be_visible()
    page.get_by_label("Secret Access Key", exact=True).fill("not-the-secret")
    page.get_by_label("BKSB API url").fill("ftp://nowhere.example/")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Not saved, as the form has errors: type it again.")).to_be_visible()
    expect(page.get_by_text("None is stored yet.").first).to_be_visible()  # the Default Password, left blank

    page.get_by_label("BKSB API url").fill(sandbox.url)
    page.get_by_label("Secret Access Key", exact=True).fill("not-the-secret")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Settings saved, but the connection test failed: bksb refused the key")).to_be_visible()
    expect(page.get_by_text("Settings saved.", exact=True)).to_have_count(0)


def test_tutor_without_manage_bksb_settings_is_refused_the_settings_page(page, live_server, browser_login, tutor):
    browser_login("tutor1", "pw-tutor1")
    _open_bksb(page)
    expect(page.get_by_role("button", name="Test connection")).to_have_count(0)
    response = page.goto(live_server.url + "/integrations/bksb/settings/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_a_right_granted_to_a_group_reaches_its_member_at_once(
    browser, page, live_server, browser_login, admin_user, django_user_model
):
    readers = Group.objects.create(name="Readers")
    readers.permissions.add(Permission.objects.get(codename="bksb_module", content_type__app_label="permissions"))
    member = django_user_model.objects.create_user(username="reader1", password="pw-reader1", is_staff=True)
    member.groups.add(readers)

    member_context = browser.new_context()
    member_page = member_context.new_page()
    member_page.goto(live_server.url + "/login/")
    member_page.get_by_label("Username").fill("reader1")
    member_page.get_by_label("Password").fill("pw-reader1")
    member_page.get_by_role("button", name="Log in").click()
    member_page.goto(live_server.url + "/integrations/bksb/")
    get_results = member_page.locator("dt", has_text="Get BKSB Results").locator("xpath=following-sibling::dd[1]")
    expect(get_results).to_have_text("No")

    browser_login("admin1", "pw-admin1")
    _menu(page, "Tools")
    page.get_by_role("link", name="Edit Permissions").click()
    page.get_by_label("User or group").select_option(label="Readers")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_label("Visible")).to_be_checked()
    page.get_by_role("tab", name="Commands").click()
    page.get_by_label("Get BKSB Results").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Rights of Group Readers saved.")).to_be_visible()

    member_page.reload()
    expect(get_results).to_have_text("Yes")

    _menu(page, "Tools")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_text("Get BKSB Results: No → Yes")).to_be_visible()
    member_context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_edit_permissions_modules_and_commands_are_tabs(browser, live_server, admin_user, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("admin1")
    page.get_by_label("Password").fill("pw-admin1")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/tools/permissions/")
    page.get_by_label("User or group").select_option(label="Tutors")
    page.get_by_role("button", name="Open").click()

    tabs = page.get_by_role("tablist", name="Rights")
    expect(tabs.get_by_role("tab", name="Modules")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Modules")).to_be_visible()
    expect(page.get_by_label("Get BKSB Results")).to_be_hidden()

    tabs.get_by_role("tab", name="Commands").click()
    expect(tabs.get_by_role("tab", name="Commands")).to_have_attribute("aria-selected", "true")
    expect(tabs.get_by_role("tab", name="Modules")).to_have_attribute("aria-selected", "false")
    expect(page.get_by_role("tabpanel", name="Commands")).to_be_visible()
    expect(page.get_by_label("Visible")).to_be_hidden()
    page.get_by_label("Create BKSB User").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Rights of Group Tutors saved.")).to_be_visible()
    # Back on the tab the change was made on; the Modules panel's choice was kept.
    expect(page.get_by_role("tabpanel", name="Commands")).to_be_visible()
    expect(page.get_by_label("Create BKSB User")).to_be_checked()
    if javascript:
        tabs.get_by_role("tab", name="Commands").press("ArrowLeft")
        expect(tabs.get_by_role("tab", name="Modules")).to_be_focused()
        expect(page.get_by_role("tabpanel", name="Modules")).to_be_visible()
    tutors = Group.objects.get(name="Tutors")
    assert tutors.permissions.filter(codename__in=["bksb_module", "create_bksb_user"]).count() == 2
    context.close()
