"""A manager finds the learners below Level 1 in maths, reports on them, follows a chart segment back to
the list, and downloads their evidence packs, in real Chromium."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.bksb_integration.levels.cohort_support import cohort_build
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where Chart.js drew a segment: the centre of bar `index` of the dataset labelled `label`, in canvas pixels.
SEGMENT_CENTRE = """([key, label, index]) => {
  const chart = Chart.getChart(document.querySelector(`canvas[data-chart="${key}"]`));
  const dataset = chart.data.datasets.findIndex((set) => set.label === label);
  const { x, y } = chart.getDatasetMeta(dataset).data[index].getCenterPoint();
  return { x, y };
}"""


@pytest.fixture(autouse=True)
def _mappings(transactional_db):
    mappings_seed()


def test_maths_below_level_1_report_segment_back_to_the_list_and_evidence_packs(
    page, live_server, browser_login, manager
):
    cohort_build()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login("manager1", "pw-manager1")

    # The list, filtered by "maths below Level 1", with the level badges and their full text on hover.
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Maths level").select_option(label="Below Level 1")
    table = page.locator("#learner-table")
    expect(table.get_by_text("3 records")).to_be_visible()
    falling = table.get_by_role("row").filter(has=page.get_by_role("link", name="Falling, Ann"))
    expect(falling.get_by_title("Maths: Entry 2, latest result (Diagnostic, 11 Oct 2026)")).to_have_text(
        "E2Maths: Entry 2, latest result (Diagnostic, 11 Oct 2026)"
    )
    expect(table.get_by_role("link", name="Rising, Ann")).to_have_count(0)

    # Reports for this cohort: the same records, the filter named.
    table.get_by_role("link", name="Reports for this cohort").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    expect(page.get_by_text("3 records in this cohort")).to_be_visible()
    expect(page.get_by_text("Maths level: Below Level 1")).to_be_visible()
    levels_table = page.get_by_role("table", name="Latest levels")
    expect(levels_table.get_by_role("row", name=re.compile("^Entry 2"))).to_contain_text("1")

    # The chart downloads as a PNG.
    with page.expect_download() as download_info:
        page.locator('[data-chart-download="levels"]').click()
    download = download_info.value
    assert download.suggested_filename == "bksb-cohort-levels.png"
    with open(download.path(), "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"

    # A click on the Maths bar's Entry 2 segment opens the list filtered to the cohort and that level.
    canvas = page.locator('canvas[data-chart="levels"]')
    centre = page.evaluate(SEGMENT_CENTRE, ["levels", "Entry 2", 1])
    canvas.click(position=centre)
    expect(page).to_have_url(re.compile(r"/learners/\?.*bksb_maths=entry_2"))
    expect(page.get_by_label("Maths level")).to_have_value("entry_2")
    expect(page.get_by_role("link", name="Remove filter: Maths level Entry 2")).to_be_visible()
    table = page.locator("#learner-table")
    expect(table.get_by_text("1 record", exact=False)).to_be_visible()
    expect(table.get_by_role("link", name="Falling, Ann")).to_be_visible()

    # Evidence packs for everyone on that list, as a zip from the job's window.
    table.get_by_label("Select all 1 matching this filter").check()
    table.get_by_role("button", name="Evidence packs").click()
    page.get_by_role("dialog", name="Evidence packs for 1 record?").get_by_role(
        "button", name="Start: Evidence packs for 1 record"
    ).click()
    window = page.get_by_role("dialog", name="Evidence packs", exact=True)
    expect(window.get_by_text("Finished.")).to_be_visible()
    with page.expect_download() as download_info:
        window.get_by_role("link", name="Download the evidence packs (zip)").click()
    with zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read())) as packs:
        names = packs.namelist()
        assert len(names) == 1
        assert names[0].endswith(".pdf")
        assert packs.read(names[0]).startswith(b"%PDF")
    assert errors == []
