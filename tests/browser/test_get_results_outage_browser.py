"""bksb goes down during Get Results: the window says the run paused, and it carries on when bksb is back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bksb_integration.models import Run, RunLearner
from bksb_integration.sync.breaker import run_probe
from bksb_integration.sync.get_results import get_results_plan
from bksb_integration.sync.runs import UNAVAILABLE, run_stop
from tests.fakes import running_sandbox
from tests.support import configure, linked_learners

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # a request budget of its own
    with running_sandbox(latency_ms=1) as server:
        configure(server.url)
        yield server


def _get_results_page(page) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Management", exact=True).click()
    nav.get_by_role("link", name="Get Results", exact=True).click()


def test_bksb_down_pauses_the_run_and_the_window_says_so_until_it_is_back(page, browser_login, manager, sandbox):
    linked_learners(range(1, 13))
    sandbox.set_config(error_rate=1.0)  # every call answers 503
    page.on("dialog", lambda question: question.accept())

    browser_login("manager1", "pw-manager1")
    _get_results_page(page)
    page.get_by_role("button", name="Get Results").click()

    window = page.get_by_role("dialog", name="BKSB Results")
    expect(window.get_by_text("Paused: bksb is not answering.")).to_be_visible(timeout=60_000)
    run = Run.objects.get(kind=Run.Kind.GET_RESULTS)
    assert run.is_paused
    assert RunLearner.objects.filter(run=run, status=RunLearner.Status.PENDING).exists()

    sandbox.set_config(error_rate=0.0)  # bksb is back; the next probe finds it
    assert run_probe(run_id=run.pk) == "resumed"
    expect(window.get_by_text("Finished with failures.")).to_be_visible(timeout=30_000)
    run.refresh_from_db()
    assert run.learners_done == 12
    assert run.learners_failed == 5  # the five that tripped the breaker; the rest were downloaded


def test_a_stopped_run_says_why_and_resume_finishes_it(page, browser_login, manager, sandbox):
    linked_learners(range(1, 4))
    run = Run.objects.create(kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.SCHEDULED)
    get_results_plan(run_id=run.pk, enqueue=False)
    run_stop(run_id=run.pk, reason=UNAVAILABLE)

    browser_login("manager1", "pw-manager1")
    _get_results_page(page)
    expect(page.get_by_text("Stopped: bksb unavailable. Resume when bksb answers again.")).to_be_visible()
    expect(page.get_by_text("3 not tried")).to_be_visible()
    page.get_by_role("button", name="Resume").click()

    expect(page.get_by_text("Get Results resumed")).to_be_visible()
    expect(page.get_by_text("Finished.")).to_be_visible(timeout=30_000)
    run.refresh_from_db()
    assert (run.status, run.learners_done, run.learners_not_tried) == (Run.Status.SUCCEEDED, 3, 0)
