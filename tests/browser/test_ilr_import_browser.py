"""A manager imports an ILR file on Import learners, watches the job, filters the list by provision type and
opens Reports cut by provision type, in real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jobs import queue
from jobs.services import job_run
from learners.models import EnglishMathsAim, Learner
from tests.learners.ilr import files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch):
    waiting: list[int] = []
    monkeypatch.setattr(queue, "job_run_queue", waiting.append)

    def run_all() -> None:
        while waiting:
            job_run(job_id=waiting.pop(0))

    return run_all


@pytest.mark.sandbox(switched_on=True)
def test_a_manager_imports_an_ilr_file_filters_by_provision_and_opens_reports_cut_by_it(
    page, browser_login, live_server, manager, tmp_path, worker, sandbox
):
    ilr = files.ilr_path(tmp_path, files.cohort())
    # The aim migration 0005 ships: a live server's database is emptied after each test, shipped rows with it.
    EnglishMathsAim.objects.get_or_create(
        learn_aim_ref="60350581",
        defaults={
            "title": "NCFE Level 1 Functional Skills Qualification in English",
            "subject": "english",
            "level": "level_1",
        },
    )

    browser_login("manager1", "pw-manager1")
    page.goto(live_server.url + "/learners/import/")
    expect(page.get_by_text("The uploaded file is deleted when its job ends.")).to_be_visible()
    page.get_by_label("CSV or ILR file").set_input_files(str(ilr))
    page.get_by_role("button", name="Check file").click()

    # The upload is a plain form: the job's own page is its window, and keeps itself up to date.
    window = page.get_by_role("main")
    expect(window.get_by_role("heading", name="Import learners")).to_be_visible()
    expect(window.get_by_text("Queued")).to_be_visible()
    assert not Learner.objects.exists()
    worker()
    expect(window.get_by_text("Imported the 2025/26 ILR file, 6 learners: 6 created")).to_be_visible()
    window.get_by_role("link", name="Go to learners").click()

    page.locator("summary", has_text="Filters").click()
    filters = page.get_by_role("group", name="Filters", exact=True)
    filters.get_by_label("Provision type").select_option(label="Apprenticeships")
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("table").first
    expect(table.get_by_text("AP0401")).to_be_visible()
    expect(table.get_by_text("SP1701")).to_have_count(0)
    expect(table.get_by_role("cell", name="Apprenticeships")).to_be_visible()

    page.get_by_role("link", name="Okafor, Sam").click()
    expect(page.get_by_role("heading", name="Learning aims")).to_be_visible()
    expect(page.get_by_text("NCFE Level 1 Functional Skills Qualification in English")).to_be_visible()

    page.goto(live_server.url + "/management/bksb/reports/")
    expect(page.get_by_role("heading", name="By provision type")).to_be_visible()
    page.get_by_role("link", name="Reports for Adults").click()
    expect(page.get_by_text("3 records in this cohort.")).to_be_visible()
    expect(page.get_by_label("Provision type", exact=True)).to_have_value("adults")
