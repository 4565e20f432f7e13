"""BKSB | Create user and Send invite, in real Chromium against the bksb sandbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.demo import demo_seed
from learners.models import Learner
from tests.fakes import PASSWORD, SECRET
from tests.support import configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail_dir(settings, tmp_path):
    """The embedded default: one file per email in EMAIL_FILE_PATH (var/mail/ in a real install)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


@pytest.fixture
def demo_learner(roles):
    demo_seed(learners=6)
    # L000002 is a demo learner without a web user account or bksb user.
    return Learner.objects.get(learner_ref="L000002")


def test_staff_create_a_bksb_user_and_send_an_invite(
    page, live_server, browser_login, admin_user, sandbox, mail_dir, demo_learner
):
    configure(sandbox.url, auto_enrol_courses=True)
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/learners/{demo_learner.pk}/")
    page.get_by_role("link", name="BKSB | Create user").click()

    expect(page.get_by_role("heading", name="Review the new bksb user")).to_be_visible()
    username = page.get_by_label("Username").input_value()
    assert username.endswith("2")
    expect(page.get_by_label("Email")).to_have_value(demo_learner.email)
    expect(page.get_by_label("Auto Enrol Courses")).to_be_checked()
    page.get_by_role("button", name="Create User").click()

    expect(page.get_by_role("heading", name="bksb user created")).to_be_visible()
    expect(page.get_by_text(f"The bksb user {username} was created and this record is linked to it.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="was created")).to_have_count(1)  # the confirmation, once
    expect(page.get_by_text(f"bksb user {username} created")).to_have_count(0)
    details = sandbox.user_details(username)
    assert details is not None
    assert (details["Created"], details["AutoEnrolCourses"], details["Email"]) == (True, True, demo_learner.email)
    demo_learner.refresh_from_db()
    assert (demo_learner.bksb_user, demo_learner.bksb_username) == (True, username)
    assert PASSWORD not in page.content()

    page.get_by_role("link", name="Send invite").click()
    page.get_by_label("Include a one-time auto-login link").check()
    page.get_by_role("button", name="Send invite").click()
    expect(page.get_by_text(f"Invite sent to {demo_learner.email}.")).to_be_visible()
    expect(page.get_by_role("cell", name="admin1")).to_be_visible()

    [message] = [path.read_text() for path in mail_dir.iterdir()]
    assert f"To: {demo_learner.email}" in message
    assert f"Your bksb username: {username}" in message
    assert f"{sandbox.url}autologin/" in message
    for secret in (PASSWORD, SECRET):
        assert secret not in message
        assert secret not in page.content()


def test_a_username_with_a_plus_and_an_email_shape_is_taken_as_typed(
    page, live_server, browser_login, admin_user, sandbox, demo_learner
):
    configure(sandbox.url)
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/learners/{demo_learner.pk}/bksb/create-user/")
    page.get_by_label("Username").fill("  b.murphy+fs@college.ac.uk ")
    page.get_by_role("button", name="Create User").click()

    expect(page.get_by_role("heading", name="bksb user created")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="b.murphy+fs@college.ac.uk").first).to_be_visible()
    assert sandbox.user_details("b.murphy+fs@college.ac.uk") is not None


def test_the_learner_list_says_how_to_create_several_bksb_users(page, live_server, browser_login, admin_user, sandbox):
    configure(sandbox.url)
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/learners/")
    button = page.get_by_role("button", name="Create bksb users")
    expect(button).to_have_accessible_description(
        "Tick records below, or select all matching this filter, then choose what to do. "
        "Long work runs in the background, in a window you can watch. "
        "Records that already have a bksb user are left as they are; you choose about invites next."
    )
