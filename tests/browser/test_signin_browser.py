"""Signing in with the college's account, and setting up the second factor, in real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from signin.models import GroupClaimMapping
from tests.signin.otp import code_for_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JO = "jo.bloggs@college.ac.uk"


@pytest.fixture
def jo(oidc_provider, roles):
    GroupClaimMapping.objects.create(claim_value="grp-mis-managers", group=roles["Managers"])
    oidc_provider.add_account(JO, email=JO, groups=["grp-mis-managers"])
    return JO


def _sign_in_at_provider(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_role("link", name="Sign in with Test College").click()
    expect(page.get_by_role("heading", name="Sign in to Test College")).to_be_visible()
    page.get_by_label("Email or username").fill(username)
    page.get_by_role("button", name="Next").click()


def test_a_manager_signs_in_with_the_college_account_and_signs_out_of_both(page, live_server, oidc_provider, jo):
    _sign_in_at_provider(page, live_server, JO)

    expect(page.get_by_role("heading", name="Learners")).to_be_visible()
    expect(page.get_by_text(JO)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="You have signed out of bksbmis")).to_be_visible()
    page.get_by_role("link", name="Sign out of Test College too").click()
    expect(page.get_by_role("heading", name="You have signed out of Test College")).to_be_visible()
    page.get_by_role("link", name="Back to the app").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert oidc_provider.signed_out == ["bksbmis-test-client"]


def test_an_expired_token_gets_a_clear_page(page, live_server, oidc_provider, jo):
    oidc_provider.misbehave = "expired"

    _sign_in_at_provider(page, live_server, JO)

    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("The sign-in token has expired")
    page.get_by_role("link", name="Back to log in").click()
    expect(page.get_by_role("link", name="Sign in with Test College")).to_be_visible()


def test_with_local_passwords_off_the_login_page_offers_the_provider_and_refuses_staff_passwords(
    page, live_server, oidc_provider, tutor, settings
):
    settings.LOCAL_PASSWORDS = False
    page.goto(live_server.url + "/login/")
    expect(page.get_by_role("link", name="Sign in with Test College")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_hidden()

    page.get_by_text("Break-glass account or Hub web user").click()
    page.get_by_label("Username").fill("tutor1")
    page.get_by_label("Password").fill("pw-tutor1")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("Local passwords are turned off for staff accounts")


@pytest.mark.real_second_factor
def test_an_admin_sets_up_the_authenticator_app_before_anything_else(page, live_server, browser_login, admin_user):
    browser_login("admin1", "pw-admin1")

    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    page.goto(live_server.url + "/learners/")
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_role("img", name="QR code holding the secret key below")).to_be_visible()
    secret = page.get_by_label("Secret key").inner_text()
    page.get_by_label("Code from your app").fill(code_for_secret(secret))
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Second factor on: save your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Learners")).to_be_visible()
