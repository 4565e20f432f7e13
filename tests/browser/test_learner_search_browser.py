"""A staff user finds a learner the way a person would, in real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import LearnerFactory, WebUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_user_logs_in_searches_and_opens_a_record(page, live_server, browser_login, tutor):
    WebUserFactory(
        user__username="demo.learner0042",
        learner__first_name="Priya",
        learner__last_name="Ramanathan",
        learner__learner_ref="L000042",
    )
    for n in range(30):
        LearnerFactory(last_name=f"Other{n:02d}")

    browser_login("tutor1", "pw-tutor1")
    expect(page.get_by_role("heading", name="Learners")).to_be_visible()

    page.get_by_label("Search").fill("Ramanathan")
    table = page.locator("#learner-table")
    expect(table.get_by_role("link", name="Ramanathan, Priya")).to_be_visible()
    expect(table.get_by_text("Other00")).to_have_count(0)

    table.get_by_role("link", name="Ramanathan, Priya").click()
    expect(page.get_by_role("heading", name="Priya Ramanathan")).to_be_visible()
    expect(page.get_by_role("link", name="Details")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("demo.learner0042")).to_be_visible()


def test_learner_web_user_cannot_open_staff_pages(page, live_server, browser_login, web_user):
    web_user.user.set_password("pw-web")
    web_user.user.save()
    browser_login("demo.learner0001", "pw-web")
    response = page.goto(live_server.url + "/learners/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_on_a_phone_the_menus_and_log_out_stay_on_the_screen(page, live_server, browser_login, admin_user):
    page.set_viewport_size({"width": 390, "height": 800})
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/learners/")
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    expect(page.get_by_role("navigation", name="Main").get_by_text("Tools", exact=True)).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
