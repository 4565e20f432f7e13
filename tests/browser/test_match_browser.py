"""Match learners in real Chromium: start the run, watch it in the window, review, Link selected, see them linked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bksb_integration.models import BksbLink
from jobs import queue
from jobs.services import job_run
from learners.models import Learner
from tests.factories import LearnerFactory, WebUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.sandbox(switched_on=True)]


@pytest.fixture
def worker(monkeypatch):
    """Queued jobs wait here until the test lets the worker run them, so the window is seen before the end."""
    waiting: list[int] = []
    monkeypatch.setattr(queue, "job_run_queue", waiting.append)

    def run_all() -> None:
        while waiting:
            job_run(job_id=waiting.pop(0))

    return run_all


def test_a_manager_matches_learners_reviews_and_links_the_selected(page, browser_login, manager, sandbox, worker):
    LearnerFactory(first_name="Amy", last_name="Adams", email="amy.adams@college.ac.uk", learner_ref="W001")
    WebUserFactory(
        learner__first_name="Ben", learner__last_name="Wright", learner__learner_ref="W002", user__username="bwright7"
    )
    LearnerFactory(first_name="Cal", last_name="Cole", email="", learner_ref="W003")
    LearnerFactory(first_name="Dee", last_name="Dunn", email="dee@elsewhere.test", learner_ref="W004")
    sandbox.place_users([{"Username": "amy.adams@college.ac.uk"}, {"Username": "bwright7"}, {"Username": "W003"}])
    page.on("dialog", lambda question: question.accept())  # "Look for all 4 unlinked records in bksb?"

    browser_login("manager1", "pw-manager1")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Management", exact=True).click()
    nav.get_by_role("link", name="Match learners", exact=True).click()
    page.get_by_role("button", name="Match learners").click()

    window = page.get_by_role("dialog", name="Match learners in bksb")
    expect(window.get_by_text("Queued")).to_be_visible()
    worker()
    expect(window.get_by_text("Finished.")).to_be_visible()
    expect(window.get_by_text("4 records checked")).to_be_visible()
    window.get_by_role("link", name="Review suggestions").click()

    expect(page.get_by_role("heading", name="Review matches")).to_be_visible()
    amy = page.get_by_role("checkbox", name="amy.adams@college.ac.uk")
    ben = page.get_by_role("checkbox", name="bwright7")
    cal = page.get_by_role("checkbox", name="W003")
    expect(amy).to_be_checked()
    expect(ben).to_be_checked()
    expect(cal).not_to_be_checked()  # a possible match: ticked only by a person
    suggestions = page.get_by_role("table", name="Suggestions for each record")
    expect(suggestions.get_by_text("Dunn")).to_have_count(0)
    # The count of None found says which record it stands for: Dunn, linked to the record's tab.
    page.get_by_role("link", name="Which records: None found (1)").click()
    none_found = page.get_by_role("region", name="None found: 1 record")
    expect(none_found.get_by_role("link", name="Dunn, Dee")).to_be_visible()
    assert not Learner.objects.filter(bksb_user=True).exists()
    cal.check()
    page.get_by_role("button", name="Link selected").click()

    linking = page.get_by_role("dialog", name="Link selected")
    expect(linking.get_by_text("Queued")).to_be_visible()
    worker()
    expect(linking.get_by_text("3 records linked.")).to_be_visible()
    linking.get_by_role("link", name="Back to the review").click()

    rows = page.get_by_role("table", name="Suggestions for each record")
    expect(rows.get_by_text("Linked", exact=True)).to_have_count(3)
    expect(rows.get_by_text("Not linked", exact=True)).to_have_count(0)
    linked = dict(BksbLink.objects.values_list("learner__learner_ref", "resolved_username"))
    assert linked == {"W001": "amy.adams@college.ac.uk", "W002": "bwright7", "W003": "W003"}
    assert not Learner.objects.get(learner_ref="W004").bksb_user


def test_find_in_bksb_on_a_record_lists_what_bksb_knows_and_links_one(
    page, live_server, browser_login, manager, sandbox, worker
):
    record = LearnerFactory(first_name="Eli", last_name="Ford", email="eli.ford@college.ac.uk", learner_ref="W010")
    sandbox.place_users([{"Username": "eli.ford@college.ac.uk"}, {"Username": "eli.ford"}])

    browser_login("manager1", "pw-manager1")
    page.goto(live_server.url + f"/learners/{record.pk}/bksb/")
    page.get_by_role("button", name="Find in bksb").click()
    window = page.get_by_role("dialog", name="Match learners in bksb")
    expect(window.get_by_text("Queued")).to_be_visible()
    worker()
    found = window.get_by_role("table", name="bksb users found")
    expect(found.get_by_role("row")).to_have_count(3)
    expect(found.get_by_role("row", name="eli.ford@college.ac.uk")).to_contain_text("Strong")
    expect(found.get_by_role("row", name="the email's local part")).to_contain_text("Possible")
    assert not Learner.objects.get(pk=record.pk).bksb_user

    found.get_by_role("button", name="Link to eli.ford@college.ac.uk").click()

    expect(page.get_by_text("Linked to bksb user eli.ford@college.ac.uk")).to_be_visible()
    expect(page.get_by_role("button", name="Find in bksb")).to_have_count(0)
    assert BksbLink.objects.get(learner=record).resolved_username == "eli.ford@college.ac.uk"


def test_an_admin_sets_the_matching_rules(page, live_server, browser_login, admin_user):
    browser_login("admin1", "pw-admin1")
    page.goto(live_server.url + "/integrations/bksb/settings/")
    page.get_by_role("link", name="Matching", exact=True).click()

    page.get_by_label("Your patterns", exact=True).fill("{initial}{last}{digits}\n{surname}")
    page.get_by_role("button", name="Save matching settings").click()
    expect(page.get_by_text("{surname} is not a placeholder")).to_be_visible()

    page.get_by_label("Use the email's local part").uncheck()
    page.get_by_label("Position of the learner reference").fill("1")
    page.get_by_label("Position of the typed BKSB Username").fill("3")
    page.get_by_label("Your patterns", exact=True).fill("{initial}{last}{digits}")
    page.get_by_label("Link strong unique matches automatically").check()
    page.get_by_role("button", name="Save matching settings").click()

    expect(page.get_by_text("Matching settings saved.")).to_be_visible()
    expect(page.get_by_role("row").nth(1)).to_contain_text("The learner reference")
    expect(page.get_by_label("Use the email's local part")).not_to_be_checked()
    expect(page.get_by_label("Link strong unique matches automatically")).to_be_checked()
