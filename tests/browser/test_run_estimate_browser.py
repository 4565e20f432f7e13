"""How long Get Results will take, in real Chromium: stated before it starts, and in the run's window and History."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bksb_integration.models import BksbSettings, Run
from tests.support import linked_learners

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(latency_ms=5, switched_on=True),
]


def _menu(page, menu: str, item: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text(menu, exact=True).click()
    nav.get_by_role("link", name=item, exact=True).click()


def test_the_estimate_is_stated_before_get_results_and_in_its_window_and_history(
    page, browser_login, manager, tutor, sandbox
):
    linked_learners([2, 3, 4])  # never downloaded: each a first download of its whole history
    BksbSettings.objects.filter(pk=BksbSettings.load().pk).update(requests_per_second=0.1)
    browser_login("manager1", "pw-manager1")
    _menu(page, "Management", "Get Results")
    expect(
        page.get_by_text(
            "Get Results for these 3 learners will take about 2 min: about 15 requests to bksb at 0.1 a second; "
            "3 of them are downloaded for the first time, which reads their whole history."
        )
    ).to_be_visible()

    # A large run under way: 100 of 1,000 learners done with 400 requests, at 2 requests a second.
    BksbSettings.objects.filter(pk=BksbSettings.load().pk).update(requests_per_second=2)
    now = timezone.now()
    Run.objects.create(
        kind=Run.Kind.GET_RESULTS,
        status=Run.Status.RUNNING,
        started_by=tutor,
        stage=Run.Stage.DOWNLOADING,
        started_at=now - dt.timedelta(minutes=2),
        planned_at=now,
        heartbeat_at=now,
        learners_total=1000,
        learners_done=100,
        requests_made=400,
    )
    page.on("dialog", lambda question: question.accept())
    page.reload()
    page.get_by_role("button", name="Get Results").click()
    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("Get Results was already running")).to_be_visible()
    # 900 learners left at 4 requests each, 2 a second: 30 min, longer than its pace so far says (18 min).
    expect(window.get_by_text("about 30 min left (about 3,600 requests to bksb at 2 a second)")).to_be_visible()
    window.get_by_role("button", name="Close").click()

    _menu(page, "Management", "History")
    row = page.get_by_role("row").filter(has_text="Get Results for every eligible learner")
    expect(row).to_contain_text("so far; about 30 min left (about 3,600 requests to bksb at 2 a second)")
