"""A manager opens the ILR cross-check from the Management menu, filters it to one finding, and follows the finding
to its record, in real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from bksb_integration.crosscheck.rules import RULES
from tests.bksb_integration.crosscheck.crosscheck_support import population
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_the_report_filter_it_and_follow_a_finding_to_its_record(page, live_server, browser_login, manager):
    mappings_seed()
    made = population()
    browser_login("manager1", "pw-manager1")

    # Management > BKSB > ILR cross-check, from the menu.
    page.locator("summary", has_text="Management").click()
    page.get_by_role("link", name="ILR cross-check").click()
    expect(page.get_by_role("heading", name="ILR cross-check", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="records checked")).to_have_text(
        f"{len(RULES)} findings in 16 records checked."
    )
    findings = page.get_by_role("table", name="ILR cross-check findings")
    expect(findings.get_by_role("row")).to_have_count(1 + len(RULES))
    expect(findings.get_by_role("link", name=made["clean"].learner_ref)).to_have_count(0)

    # Filtered to one finding, by keyboard: the select is reached by its label and the form sent with Enter.
    page.get_by_label("Finding", exact=True).select_option(label="16 to 19 learner without a GCSE English grade")
    page.get_by_label("Provision type").select_option(label="Young people (16 to 19)")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="records checked")).to_have_text(
        "1 finding in 6 records checked."
    )
    row = findings.get_by_role("row").filter(has_text="english_grade_missing")
    expect(row).to_contain_text("GCSE English: Not known")
    expect(row).to_contain_text("Record the GCSE English grade (EngGrade) in the ILR: the grade held, or NONE.")

    # The CSV of what is shown.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    lines = Path(download_info.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("english_grade_missing,English,CK03,")

    # Following the finding opens the record, whose prior attainment shows what the ILR said.
    row.get_by_role("link", name="CK03").click()
    learner = made["english_grade_missing"]
    expect(page.get_by_role("heading", name=learner.full_name)).to_be_visible()
    attainment = page.locator("section", has=page.get_by_role("heading", name="Prior attainment"))
    expect(attainment).to_contain_text("GCSE EnglishNot known")
