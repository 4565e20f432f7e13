"""Levels at a glance in real Chromium: an admin adds a tag rule and sets the funding thresholds, reads what the flags
mean, sees the tag and flags on a record's BKSB tab and downloads its evidence pack; then filters the list by the tag
and gets the evidence packs of the ticked records as a zip from the job's window."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bksb_integration.levels import recompute_job as levels_job
from bksb_integration.models import EvidencePack, LearnerLevel, LearnerTag, TagRule
from jobs import queue
from jobs.services import job_run
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def worker(monkeypatch):
    waiting: list[int] = []
    monkeypatch.setattr(queue, "job_run_queue", waiting.append)

    def run_all() -> None:
        while waiting:
            job_run(job_id=waiting.pop(0))

    return run_all


@pytest.fixture
def assessed():
    mappings_seed()
    entry = LearnerFactory(
        first_name="Zoë", last_name="Ó'Brien", learner_ref="L000701", start_date=dt.date(2026, 9, 30)
    )
    store(entry, item(301, "Maths Entry 2", when=SEP), item(302, "English Level 2", subject="english", when=SEP))
    level2 = LearnerFactory(first_name="Lev", last_name="Two", learner_ref="L000702")
    store(level2, item(303, "Maths Level 2", when=SEP))
    return entry, level2


def test_an_admin_tags_entry_maths_and_downloads_the_evidence(
    page, live_server, browser_login, admin_user, assessed, worker
):
    entry, level2 = assessed
    page.on("dialog", lambda question: question.accept())
    browser_login("admin1", "pw-admin1")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Integrations", exact=True).click()
    nav.get_by_role("link", name="bksb", exact=True).click()
    page.get_by_role("navigation", name="bksb integration").get_by_role("link", name="Tags and funding").click()
    expect(page.get_by_role("heading", name="Tags and funding flags", exact=True)).to_be_visible()
    add = page.get_by_role("region", name="Add a tag rule")
    add.get_by_label("Tag").fill("Maths support: Entry")
    add.get_by_label("Subject").select_option(label="Maths")
    add.get_by_label("Look at").select_option(label="Latest initial assessment")
    for level in ("Entry 1", "Entry 2", "Entry 3"):
        add.get_by_label(level, exact=True).check()
    add.get_by_role("button", name="Add tag rule").click()
    expect(page.get_by_text("Tag rule “Maths support: Entry” added.")).to_be_visible()
    expect(page.get_by_text("Levels and tags recomputed for 2 records.")).to_be_visible()
    row = page.get_by_role("table", name="Tag rules").get_by_role("row").filter(has_text="Maths support: Entry")
    expect(row).to_contain_text("Entry 1, Entry 2, Entry 3")
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()

    thresholds = page.get_by_role("region", name="Funding flag thresholds")
    thresholds.get_by_label("Prior knowledge shown at or above").select_option(label="Level 2")
    thresholds.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("Funding flag thresholds saved.")).to_be_visible()
    page.get_by_role("link", name="What each funding flag means").click()
    expect(page.get_by_text("Decision support, not funding advice.")).to_be_visible()
    expect(page.get_by_text("English prior knowledge shown: Level 2 or above at initial assessment")).to_be_visible()

    page.goto(f"{live_server.url}/learners/{entry.pk}/bksb/")
    flags = page.get_by_role("table", name="Funding flags")
    expect(flags).to_contain_text("Maths assessed below Level 2: eligible for the fully funded entitlement")
    expect(flags).to_contain_text("Initial assessment Entry 2 on 1 Sep 2026 (SessionId 301, AssessmentID 50000)")
    expect(flags).to_contain_text("English prior knowledge shown: Level 2 or above at initial assessment")
    expect(page.get_by_role("list", name="Tags")).to_contain_text("Maths support: Entry")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Evidence pack").click()
    download = download_info.value
    assert download.suggested_filename == f"evidence-pack-L000701-{entry.pk}.pdf"
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    assert EvidencePack.objects.filter(learner=entry, in_bulk=False).count() == 1
    # The tab, opened again, shows the pack's fingerprint for checking a printed copy against.
    expect(page.get_by_text("No evidence pack has been made for this record yet.")).to_be_visible()
    page.reload()
    pack = EvidencePack.objects.get(learner=entry)
    expect(page.get_by_text(re.compile(r"^Latest evidence pack: made .* by admin1"))).to_contain_text(
        f"SHA-256 fingerprint: {pack.fingerprint}"
    )

    page.goto(f"{live_server.url}/learners/")
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("group", name="Filters", exact=True).get_by_label("Tag", exact=True).select_option(
        label="Maths support: Entry"
    )
    expect(page).to_have_url(re.compile(r"bksb_tag="))
    expect(page.get_by_role("link", name=re.compile("Ó'Brien"))).to_be_visible()
    expect(page.get_by_text("Lev Two")).to_have_count(0)
    page.get_by_label("Select Zoë Ó'Brien", exact=True).check()
    page.get_by_role("button", name="Evidence packs").click()
    step = page.get_by_role("dialog", name="Evidence packs for 1 record?")
    expect(step.get_by_text("1 record ticked.")).to_be_visible()
    step.get_by_role("button", name="Start: Evidence packs for 1 record").click()
    window = page.get_by_role("dialog", name="Evidence packs", exact=True)
    expect(window).to_be_visible()
    worker()
    expect(window.get_by_text("1 evidence pack in the zip.")).to_be_visible()
    with page.expect_download() as zipped:
        window.get_by_role("link", name="Download the evidence packs (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(zipped.value.path()).read_bytes()))
    assert archive.namelist() == [f"evidence-pack-L000701-{entry.pk}.pdf"]
    assert LearnerTag.objects.filter(learner=level2).count() == 0


def test_an_admin_renames_a_tag_rule_then_deletes_it(page, live_server, browser_login, admin_user, assessed):
    entry, _ = assessed
    TagRule.objects.create(name="Maths support: Entry", subject="maths", levels=["entry_2"])
    page.on("dialog", lambda question: question.accept())  # "Delete this tag rule? ..."
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/integrations/bksb/tags/")

    page.get_by_role("link", name="Edit Maths support: Entry").click()
    expect(page.get_by_role("heading", name="Edit tag rule Maths support: Entry")).to_be_visible()
    page.get_by_label("Tag").fill("Maths: Entry 2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tag rule “Maths: Entry 2” saved.")).to_be_visible()
    expect(page.get_by_text("Levels and tags recomputed for 2 records.")).to_be_visible()
    assert list(LearnerTag.objects.filter(learner=entry).values_list("tag", flat=True)) == ["Maths: Entry 2"]

    page.get_by_role("button", name="Delete Maths: Entry 2").click()
    expect(page.get_by_text("Tag rule “Maths: Entry 2” deleted; its tag was taken off 1 record.")).to_be_visible()
    expect(page.get_by_text("No tag rules yet.")).to_be_visible()
    assert not LearnerTag.objects.exists()


def test_mapping_a_result_text_for_many_records_recomputes_their_levels_in_a_job(
    page, live_server, browser_login, admin_user, worker, monkeypatch
):
    mappings_seed()
    monkeypatch.setattr(levels_job, "INLINE_LIMIT", 2)
    learners = [LearnerFactory(learner_ref=f"L00080{n}") for n in range(3)]
    for n, learner in enumerate(learners):
        store(learner, item(400 + n, "Maths: see tutor", when=SEP))
    browser_login("admin1", "pw-admin1")
    page.goto(f"{live_server.url}/integrations/bksb/levels/")

    page.get_by_label("Map Maths: see tutor to").select_option(label="Entry 1")
    page.get_by_role("button", name="Map").click()

    expect(page.get_by_role("heading", name="Recompute levels and tags")).to_be_visible()
    expect(page.get_by_text("Every record's levels and tags are being recomputed in the background.")).to_be_visible()
    worker()
    expect(page.get_by_text("Levels recomputed for 3 records.")).to_be_visible()
    assert set(LearnerLevel.objects.filter(subject="maths").values_list("latest_level", flat=True)) == {"entry_1"}
