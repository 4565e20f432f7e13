"""A manager makes an auditor's sample pack from Management > BKSB > Audit sample in real Chromium: a pasted list
with a reference that matches nothing, then a seeded draw from a cohort, and downloads the zip."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def _menu(page, menu: str, item_name: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text(menu, exact=True).click()
    nav.get_by_role("link", name=item_name, exact=True).click()


def test_a_manager_makes_an_audit_sample_and_downloads_the_zip(page, live_server, browser_login, manager):
    mappings_seed()
    for n in range(1, 4):
        learner = LearnerFactory(learner_ref=f"AS{n}", first_name="Ada", last_name=f"Sample{n}")
        store(learner, item(800 + n, "Maths Entry 3", when=SEP), user_id=5100000 + n)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login("manager1", "pw-manager1")
    _menu(page, "Management", "Audit sample")
    expect(page.get_by_role("heading", name="Audit sample", level=1)).to_be_visible()

    # A random draw shows the seed it used, and the same seed typed again draws the same learners.
    seed = page.get_by_label("Seed").input_value()
    assert re.fullmatch(r"\d{6}", seed)
    page.get_by_label("Number of learners").fill("2")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Drawn from a cohort of 3 records (every record) with seed {seed}"
    )
    drawn = page.get_by_role("table", name="Learners in this sample").get_by_role("rowheader").all_inner_texts()
    assert len(drawn) == 2
    page.get_by_label("Seed").fill(seed)
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("status")).to_contain_text(f"with seed {seed}")
    assert page.get_by_role("table", name="Learners in this sample").get_by_role("rowheader").all_inner_texts() == drawn

    # A pasted list: the reference that matches nothing is named before anything starts.
    page.get_by_label("Learner references or ULNs").fill("AS1\nas3, NOT-A-LEARNER")
    page.get_by_role("button", name="Check the list").click()
    expect(page.get_by_role("status")).to_contain_text("2 learners in this sample.")
    expect(page.get_by_role("list", name="References not found")).to_have_text("NOT-A-LEARNER")

    page.get_by_role("button", name="Start: audit sample of 2 learners").click()
    window = page.get_by_role("dialog", name="Audit sample", exact=True)
    expect(window.get_by_text("Finished.")).to_be_visible()
    expect(window.get_by_role("table", name="References not found")).to_contain_text("NOT-A-LEARNER")
    with page.expect_download() as download_info:
        window.get_by_role("link", name="Download the audit sample (zip)").click()
    assert re.fullmatch(r"audit-sample-\d+\.zip", download_info.value.suggested_filename)

    with zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read())) as archive:
        names = archive.namelist()
        packs = sorted(name for name in names if name.startswith("evidence-pack-"))
        assert [name.split("-")[2] for name in packs] == ["AS1", "AS3"]
        assert sorted(names) == sorted([*packs, "cover.pdf", "manifest.csv"])
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
        for row in manifest:
            if row["file"]:
                assert row["sha256"] == hashlib.sha256(archive.read(row["file"])).hexdigest()
        assert [row["reference"] for row in manifest if not row["file"]] == ["NOT-A-LEARNER"]
        assert archive.read("cover.pdf").startswith(b"%PDF")
    assert errors == []
