"""A tutor reads a learner's assessment sessions and skills, and watches the record, in real Chromium;
an admin sets up the watch list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bksb_integration.models import BksbSettings, WatchEntry
from tests.factories import WebUserFactory
from tests.support import mappings_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(switched_on=True, fast_clients=True),
]


@pytest.fixture(autouse=True)
def _mappings(transactional_db):
    mappings_seed()


def test_tutor_reads_sessions_opens_one_to_its_skills_and_watches_the_record(
    page, live_server, browser_login, tutor, sandbox
):
    web_user = WebUserFactory(user__username="demo.learner0004", learner__first_name="Priya", learner__bksb_user=True)
    sandbox.start_session("demo.learner0004", "MATHS_NEW", finish_after=5)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login("tutor1", "pw-tutor1")
    page.goto(f"{live_server.url}/learners/{web_user.learner.pk}/bksb/")
    expect(page.get_by_text("No assessment sessions read yet.")).to_be_visible()

    page.get_by_label("with assessment sessions and skills").check()
    page.get_by_role("button", name="BKSB Results").click()
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("Finished.")).to_be_visible()
    window.get_by_role("button", name="Close").click()

    sessions = page.locator("details.session")
    expect(sessions.first).to_be_visible()
    unfinished = sessions.filter(has_text="Not finished")
    expect(unfinished.first).to_be_visible()
    english = sessions.filter(has_text=re.compile(r"English (initial assessment|diagnostic)")).filter(
        has_text="Finished"
    )
    first = english.first
    expect(first.get_by_role("rowheader", name="Reading")).to_be_hidden()
    first.locator("summary").click()
    for component in ("Reading", "Spelling", "Punctuation", "Grammar", "Writing Composition"):
        expect(first.get_by_role("rowheader", name=component)).to_be_visible()
    expect(page.get_by_role("img", name="English skills profile")).to_be_visible()

    page.get_by_role("button", name="Watch", exact=True).click()
    expect(page.get_by_text("Watching this record: it is polled every 10 minutes")).to_be_visible()
    expect(page.get_by_text("last polled not yet")).to_be_visible()
    assert WatchEntry.objects.get(learner=web_user.learner).is_watched
    page.get_by_role("button", name="Stop watching").click()
    expect(page.get_by_text("Stopped watching this record")).to_be_visible()
    expect(page.get_by_role("button", name="Watch", exact=True)).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_admin_sets_the_watch_list_hours_and_switches_the_pass_off(page, live_server, browser_login, admin_user):
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/integrations/bksb/")
    page.get_by_role("link", name="Watch list", exact=True).click()

    page.get_by_label("Poll watched records every (minutes)").fill("5")
    page.get_by_label("Poll from (UK time)").fill("07:30")
    page.get_by_role("button", name="Save watch list settings").click()

    expect(page.get_by_text("Watch list settings saved.")).to_be_visible()
    expect(page.get_by_text("the pass is on, every 5 minutes")).to_be_visible()
    settings = BksbSettings.load()
    assert (settings.watch_interval_minutes, settings.watch_hours_start.strftime("%H:%M")) == (5, "07:30")

    page.get_by_role("link", name="schedule").click()
    page.get_by_label("Poll the watch list").uncheck()
    page.get_by_role("button", name="Save watch list schedule").click()
    expect(page.get_by_text("Polling the watch list is switched off.")).to_be_visible()
