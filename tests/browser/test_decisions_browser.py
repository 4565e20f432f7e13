"""A tutor records an English and maths decision and a judgement on the BKSB tab, then supersedes the decision,
in real Chromium, by the labels a person reads."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from bksb_integration.models import Decision
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tutor_records_a_decision_and_a_judgement_then_supersedes_the_decision(
    page, live_server, browser_login, tutor, tmp_path
):
    mappings_seed()
    learner = LearnerFactory(first_name="Priya", last_name="Ramanathan", learner_ref="L000012")
    store(learner, item(1, "Maths Entry 2", when=dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)))
    browser_login("tutor1", "pw-tutor1")
    page.goto(f"{live_server.url}/learners/{learner.pk}/bksb/")

    # An exemption without evidence is refused, and the form says a screenshot is not accepted.
    page.get_by_role("link", name="Record a decision").click()
    expect(page.get_by_label("Exemption evidence")).to_be_visible()
    page.get_by_label("Subject").select_option(label="Maths")
    page.get_by_label("Decision", exact=True).select_option(label="Exempt")
    page.get_by_label("Decision date").fill("2025-09-02")
    page.get_by_label("Discussed with the learner by").fill("Jo Tutor")
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_role("alert").filter(has_text="A screenshot of a results portal is not accepted.")
    ).to_be_visible()
    page.get_by_label("Exemption evidence").select_option(label="Certificate")
    page.get_by_label("Training plan re-signed on").fill("2025-09-03")
    page.get_by_label("Note").fill("GCSE certificate seen")
    page.get_by_role("button", name="Record the decision").click()

    expect(page.get_by_role("status").filter(has_text="Maths decision recorded: Exempt")).to_be_visible()
    maths = page.get_by_role("table", name="Maths")
    expect(maths.get_by_role("row").filter(has_text="Exempt: Certificate")).to_contain_text("Jo Tutor")
    expect(maths).to_contain_text("GCSE certificate seen")
    expect(page.get_by_role("table", name="English")).to_have_count(0)
    expect(page.get_by_text("No English decision recorded.")).to_be_visible()

    # A judgement with its file, shown beside the bksb level and marked as a judgement.
    evidence = tmp_path / "class-work.pdf"
    evidence.write_bytes(b"%PDF-1.4 class work")
    page.get_by_role("link", name="Record a judgement").click()
    page.get_by_label("Subject").select_option(label="Maths")
    page.get_by_label("Judged level").select_option(label="Level 1")
    page.get_by_label("Reason").fill("Worked at level 1 in class; the assessment was rushed")
    page.get_by_label("Attached file (optional)").set_input_files(str(evidence))
    page.get_by_role("button", name="Record the judgement").click()
    expect(page.get_by_role("status")).to_contain_text("The bksb results are unchanged.")

    maths_levels = (
        page.locator("#bksb-summary").get_by_role("row").filter(has=page.get_by_role("rowheader", name="Maths"))
    )
    expect(maths_levels).to_contain_text("Entry 2")
    expect(maths_levels).to_contain_text("Judgement Level 1")
    judgements = page.get_by_role("table", name="Judgements")
    expect(judgements).to_contain_text("the assessment was rushed")
    expect(judgements.get_by_role("link", name="class-work.pdf")).to_be_visible()

    # The decision was a mistake: a new entry supersedes it, and both stay.
    first = Decision.objects.get()
    page.get_by_role("link", name=f"Supersede entry {first.pk}").click()
    expect(page.get_by_label("Corrects entry")).to_have_value(str(first.pk))
    expect(page.get_by_label("Subject")).to_have_value("maths")  # the corrected entry's subject
    page.get_by_label("Decision", exact=True).select_option(label="Mandatory (16 to 18)")
    page.get_by_label("Decision date").fill("2025-09-04")
    page.get_by_label("Discussed with the learner by").fill("Jo Tutor")
    page.get_by_label("Why the earlier entry was wrong").fill("The certificate was for a different subject")
    page.get_by_role("button", name="Record the decision").click()

    maths = page.get_by_role("table", name="Maths")
    expect(maths.get_by_role("row")).to_have_count(3)  # the header, the correction, the superseded entry
    expect(maths.get_by_role("row").filter(has_text="Exempt: Certificate")).to_contain_text(
        f"Superseded by entry {first.pk + 1}"
    )
    expect(maths.get_by_role("row").filter(has_text="Mandatory (16 to 18)")).to_contain_text(
        "The certificate was for a different subject"
    )
    expect(page.get_by_role("link", name=f"Supersede entry {first.pk}")).to_have_count(0)
