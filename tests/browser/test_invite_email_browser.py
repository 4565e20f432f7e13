"""The invite email's template and sending invites, in real Chromium."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.support import configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_writes_the_invite_with_the_listed_placeholders(page, live_server, browser_login, admin_user):
    configure()
    browser_login("admin1", "pw-admin1")
    page.goto(live_server.url + "/integrations/bksb/")
    page.get_by_role("link", name="Invite email").click()

    placeholders = page.get_by_label("Placeholders")
    for name in ("{first_name}", "{bksb_username}", "{auto_login_link}"):
        expect(placeholders.get_by_text(name, exact=True)).to_be_visible()

    page.get_by_label("Body", exact=True).fill("Hello {nickname}, {% debug %}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("{nickname} is not a placeholder.")).to_be_visible()
    expect(page.get_by_text("“{% debug %}” is not a placeholder")).to_be_visible()

    page.get_by_label("Body", exact=True).fill("Hello {first_name}, your bksb username is {bksb_username}.")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_label("Email body")).to_have_text("Hello Amira, your bksb username is akhan1.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Invite email saved.")).to_be_visible()


def test_a_second_invite_moments_later_says_it_was_just_sent(page, live_server, browser_login, admin_user, learner):
    configure()
    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/learners/{learner.pk}/")
    page.get_by_role("link", name="Send invite").click()
    page.get_by_role("button", name="Send invite").click()
    expect(page.get_by_text(f"Invite sent to {learner.email}.")).to_be_visible()

    page.get_by_role("button", name="Resend invite").click()
    expect(page.get_by_text(f"An invite was just sent to {learner.email}")).to_be_visible()
    expect(page.get_by_text("no second email was sent")).to_be_visible()
    assert len(mail.outbox) == 1
