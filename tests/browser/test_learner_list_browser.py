"""The learner list at scale, in real Chromium: the default columns fit a 1366 px screen, the filters fold into a
panel and show as chips that a keyboard removes, and each person's choice of columns is kept for them alone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from learners.models import LearningStatus
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def assessed():
    """Records with levels in English, maths and ICT, one with long names and a long email."""
    mappings_seed()
    long_one = LearnerFactory(
        first_name="Maximiliana-Alexandrina",
        last_name="Featherstonehaugh-Montgomery",
        learner_ref="L000901",
        email="maximiliana-alexandrina.featherstonehaugh-montgomery@students.example-college.ac.uk",
        bksb_user=True,
    )
    store(
        long_one,
        item(501, "Maths Entry 2", when=SEP),
        item(502, "English Level 1", subject="english", when=SEP),
        item(503, "ICT Entry 3", subject="ict", when=SEP),
        user_id=2100901,
    )
    level2 = LearnerFactory(first_name="Lev", last_name="Two", learner_ref="L000902", bksb_user=True)
    store(level2, item(504, "Maths Level 2", when=SEP), user_id=2100902)
    withdrawn = LearnerFactory(
        first_name="Wanda", last_name="Drawn", learner_ref="L000903", learning_status=LearningStatus.WITHDRAWN
    )
    store(withdrawn, item(505, "Maths Entry 1", when=SEP), user_id=2100903)
    return long_one, level2, withdrawn


def _table(page):
    return page.get_by_role("table")


def test_at_1366_px_the_default_columns_fit_with_every_level_column(
    page, live_server, browser_login, admin_user, assessed
):
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_login("admin1", "pw-admin1")  # the widest list: admins also get the Select column and its actions
    page.goto(f"{live_server.url}/learners/")
    table = _table(page)
    for header in ("English", "Maths", "ICT/Digital", "Initial assessments"):
        expect(table.get_by_role("columnheader", name=header, exact=True)).to_be_in_viewport(ratio=1)
    row = table.get_by_role("row").filter(has_text="Featherstonehaugh-Montgomery")
    for badge in ("English: Level 1", "Maths: Entry 2", "ICT/Digital: Entry 3"):
        expect(row.get_by_text(re.compile(f"^{re.escape(badge)}"))).to_have_count(1)
        box = row.locator(".level-badge").filter(has_text=re.compile(re.escape(badge))).bounding_box()
        assert box is not None, badge
        assert box["x"] >= 0, badge
        assert box["x"] + box["width"] <= 1366, badge
    # Nothing to scroll sideways: the table fits its card, and the page fits the screen.
    assert page.evaluate("document.querySelector('.learner-table').parentElement.scrollWidth") <= page.evaluate(
        "document.querySelector('.learner-table').parentElement.clientWidth"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_chosen_filters_show_as_chips_and_one_is_removed_by_keyboard(page, live_server, browser_login, tutor, assessed):
    browser_login("tutor1", "pw-tutor1")
    page.goto(f"{live_server.url}/learners/")
    table = _table(page)
    expect(page.get_by_label("Maths level")).to_be_hidden()  # folded away until asked for

    toggle = page.locator("summary", has_text="Filters")
    toggle.focus()
    page.keyboard.press("Enter")
    filters = page.get_by_role("group", name="Filters", exact=True)
    filters.get_by_label("Maths level").select_option(label="Entry 3 or below")
    expect(page).to_have_url(re.compile(r"bksb_maths=entry_3_or_below"))
    filters.get_by_label("Learning status").select_option(label="Withdrawn")
    expect(page).to_have_url(re.compile(r"learning_status=withdrawn"))
    expect(table.get_by_role("link", name="Drawn, Wanda")).to_be_visible()
    expect(table.get_by_text("Featherstonehaugh-Montgomery, Maximiliana-Alexandrina")).to_have_count(0)

    maths_chip = page.get_by_role("link", name="Remove filter: Maths level Entry 3 or below")
    status_chip = page.get_by_role("link", name="Remove filter: Learning status Withdrawn")
    expect(maths_chip).to_be_visible()
    expect(status_chip).to_be_visible()
    toggle.focus()  # shut the panel again from its button: the chips still say what is chosen
    page.keyboard.press("Enter")
    expect(page.get_by_label("Maths level")).to_be_hidden()

    # From the Filters button, Tab reaches the chips; Enter on the status chip removes that filter alone.
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip().startswith("Remove filter: Learning status"):
            break
    else:
        pytest.fail("Tab never reached the Learning status chip")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.removesuffix("px")) >= 2  # the focus is visible
    page.keyboard.press("Enter")

    expect(status_chip).to_have_count(0)
    expect(maths_chip).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"learning_status="))
    expect(page).to_have_url(re.compile(r"bksb_maths=entry_3_or_below"))
    expect(table.get_by_role("link", name="Featherstonehaugh-Montgomery, Maximiliana-Alexandrina")).to_be_visible()
    expect(table.get_by_role("link", name="Drawn, Wanda")).to_be_visible()
    expect(table.get_by_text("Two, Lev")).to_have_count(0)
    expect(maths_chip).to_be_focused()  # the keyboard carries on from the chip now in its place
    expect(page.locator("select[name=learning_status]")).to_have_value("")  # the panel, shut, says the same

    page.keyboard.press("Enter")
    expect(maths_chip).to_have_count(0)
    expect(page.locator("summary", has_text="Filters")).to_be_focused()
    expect(table.get_by_text("Two, Lev")).to_be_visible()


def test_a_chip_is_a_plain_link_without_javascript(browser, live_server, tutor, assessed):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("tutor1")
        page.get_by_label("Password").fill("pw-tutor1")
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/learners/")
        page.locator("summary", has_text="Filters").click()
        page.get_by_label("Maths level").select_option(label="Entry 3 or below")
        page.get_by_role("button", name="Apply filters").click()
        chip = page.get_by_role("link", name="Remove filter: Maths level Entry 3 or below")
        expect(chip).to_be_visible()
        expect(page.get_by_role("table").get_by_text("Two, Lev")).to_have_count(0)
        chip.click()
        expect(chip).to_have_count(0)
        expect(page.get_by_role("table").get_by_text("Two, Lev")).to_be_visible()
    finally:
        context.close()


def test_the_column_chooser_keeps_each_persons_choice(page, live_server, browser_login, tutor, manager, assessed):
    browser_login("tutor1", "pw-tutor1")
    page.goto(f"{live_server.url}/learners/?learning_status=withdrawn")
    table = _table(page)
    expect(table.get_by_role("columnheader", name="Learning status")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Email")).to_have_count(0)

    # All by keyboard: open Columns, untick Learning status, tick Email, Save columns.
    page.locator("summary", has_text="Columns").focus()
    page.keyboard.press("Enter")
    chooser = page.get_by_role("group", name="Columns to show")
    chooser.get_by_label("Learning status").focus()
    page.keyboard.press("Space")
    chooser.get_by_label("Email").focus()
    page.keyboard.press("Space")
    expect(chooser.get_by_label("Learning status")).not_to_be_checked()
    expect(chooser.get_by_label("Email")).to_be_checked()
    page.get_by_role("button", name="Save columns").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Columns saved: the list shows them whenever you open it.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"learning_status=withdrawn"))  # the same list as before
    expect(table.get_by_role("columnheader", name="Learning status")).to_have_count(0)
    expect(table.get_by_role("columnheader", name="Email")).to_be_visible()
    page.reload()
    expect(table.get_by_role("columnheader", name="Learning status")).to_have_count(0)
    expect(table.get_by_role("columnheader", name="Email")).to_be_visible()
    expect(table.get_by_text("Withdrawn", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    browser_login("manager1", "pw-manager1")
    page.goto(f"{live_server.url}/learners/")
    expect(table.get_by_role("columnheader", name="Learning status")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Email")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    browser_login("tutor1", "pw-tutor1")
    page.goto(f"{live_server.url}/learners/")
    page.locator("summary", has_text="Columns").click()
    page.get_by_role("button", name="Default columns").click()
    expect(page.get_by_text("The list shows the default columns again.")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Learning status")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Email")).to_have_count(0)
