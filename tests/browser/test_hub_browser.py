"""An admin sets the BKSB URL option; learners use the Hub's BKSB button, in real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bksb_integration.models import BksbSettings
from tests.fakes import KEY, SECRET
from tests.support import BKSB_SITE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bksb_switched_on(db) -> BksbSettings:
    """The integration is on (set on Integrations > bksb, not under test here); the Hub option is not."""
    settings = BksbSettings.load()
    settings.integration_enabled = True
    settings.save()
    return settings


@pytest.fixture
def fake_bksb_site(page) -> None:
    """Answer for the provider's bksb site, so the test never leaves the machine."""
    page.route(
        f"{BKSB_SITE}**",
        lambda route: route.fulfill(content_type="text/html", body="<title>bksb</title><h1>bksb Live 2 sign in</h1>"),
    )


def _admin_sets_bksb_url(page, browser_login, address: str, *, sso: bool = False) -> None:
    browser_login("admin1", "pw-admin1")
    page.get_by_text("Settings", exact=True).click()
    page.get_by_role("link", name="System configuration").click()
    expect(page.get_by_role("heading", name="Hub Online")).to_be_visible()
    page.get_by_label("BKSB URL", exact=True).check()
    page.get_by_label("BKSB URL address").fill(address)
    if sso:
        page.get_by_label("Single sign-on").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("System configuration saved.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def _learner_opens_hub(page, browser_login):
    browser_login("demo.learner0001", "pw-learner")
    expect(page.get_by_role("heading", name="Welcome, Amira")).to_be_visible()
    return page.get_by_role("region", name="Actions")


def test_admin_sets_the_bksb_url_and_a_learner_clicks_through_to_it(
    page, live_server, browser_login, admin_user, web_user, bksb_switched_on, fake_bksb_site
):
    web_user.learner.bksb_user = True
    web_user.learner.save()

    _admin_sets_bksb_url(page, browser_login, BKSB_SITE)
    actions = _learner_opens_hub(page, browser_login)
    expect(page.get_by_role("button", name="Log out")).to_have_count(1)  # the top bar's, not repeated here
    expect(actions.get_by_role("button", name="Log out")).to_have_count(0)
    actions.get_by_role("link", name="BKSB", exact=True).click()

    expect(page).to_have_url(BKSB_SITE)
    expect(page.get_by_role("heading", name="bksb Live 2 sign in")).to_be_visible()


def test_with_single_sign_on_the_learner_lands_signed_in_to_bksb(
    page, live_server, browser_login, admin_user, web_user, bksb_switched_on, sandbox
):
    bksb_switched_on.api_url = sandbox.url
    bksb_switched_on.access_key_id = KEY
    bksb_switched_on.secret_access_key = SECRET
    bksb_switched_on.save()
    web_user.learner.bksb_user = True  # BKSB Username blank: the web user name, demo.learner0001
    web_user.learner.save()

    _admin_sets_bksb_url(page, browser_login, sandbox.url, sso=True)
    actions = _learner_opens_hub(page, browser_login)
    actions.get_by_role("link", name="BKSB", exact=True).click()

    expect(page.get_by_role("heading", name="bksb sandbox — signed in as demo.learner0001")).to_be_visible()
    assert "/autologin/" in page.url


def test_learner_without_a_bksb_username_sees_no_button(page, live_server, browser_login, web_user, bksb_switched_on):
    bksb_switched_on.hub_bksb_url_enabled = True
    bksb_switched_on.hub_bksb_url = BKSB_SITE
    bksb_switched_on.save()

    actions = _learner_opens_hub(page, browser_login)

    expect(actions).to_have_count(0)
    expect(page.get_by_role("link", name="BKSB", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Log out")).to_have_count(1)
