"""A manager compares the provision types in Reports' charts with the keyboard alone, in real Chromium: the switch,
a bar per provision type drawn by Chart.js, and the table beside it with each type's numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.models import Learner, ProvisionType
from tests.bksb_integration.levels.cohort_support import cohort_build
from tests.browser.axe import axe_violations, violations_report
from tests.browser.keyboard import follow, menu
from tests.support import mappings_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The labels of the bars Chart.js drew on a canvas.
BAR_LABELS = """(key) => Chart.getChart(document.querySelector(`canvas[data-chart="${key}"]`)).data.labels"""


@pytest.fixture(autouse=True)
def _mappings(transactional_db):
    mappings_seed()


def test_a_manager_compares_provision_types_in_the_charts_by_keyboard(page, live_server, browser_login, manager):
    cohort = cohort_build()
    for learner, provision in [
        (cohort.rising, ProvisionType.APPRENTICESHIPS),  # maths Level 1
        (cohort.steady, ProvisionType.YOUNG_PEOPLE),  # maths Level 1
        (cohort.january, ProvisionType.YOUNG_PEOPLE),  # maths Pre-Entry
        (cohort.falling, ProvisionType.ADULTS),  # maths Entry 2
    ]:
        Learner.objects.filter(pk=learner.pk).update(provision_type=provision)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login("manager1", "pw-manager1")

    menu(page, "Management", "Reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Latest levels: Maths by provision type")).to_have_count(0)
    follow(page, "Compare provision types in every chart")

    expect(page.get_by_text("Every chart below shows the provision types side by side.")).to_be_visible()
    table = page.get_by_role("table", name="Latest levels: Maths by provision type")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Learners", "Young people (16 to 19)", "Adults", "Apprenticeships", "High needs", "Not known"]
    )
    level_1 = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Level 1", exact=True))
    # No high-needs learner in this cohort: a count and no percentage.
    expect(level_1.get_by_role("cell")).to_have_text(["1 50.0%", "0 0.0%", "1 100.0%", "0", "0 0.0%"])
    entry_2 = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Entry 2", exact=True))
    expect(entry_2.get_by_role("cell")).to_have_text(["0 0.0%", "1 100.0%", "0 0.0%", "0", "0 0.0%"])
    chart = "Latest levels: Maths by provision type, a stacked bar per provision type; the table beside it gives"
    expect(page.get_by_role("img", name=f"{chart} the same numbers")).to_be_visible()
    assert page.evaluate(BAR_LABELS, "levels-maths") == [
        "Young people (16 to 19)",
        "Adults",
        "Apprenticeships",
        "High needs",
        "Not known",
    ]
    violations = axe_violations(page, where="Reports, comparing provision types")
    assert violations == [], violations_report(violations)

    # And back to today's charts.
    follow(page, "Show the charts for the whole cohort only")
    expect(page.get_by_role("link", name="Compare provision types in every chart")).to_be_visible()
    expect(page.get_by_role("table", name="Latest levels: Maths by provision type")).to_have_count(0)
    assert errors == []
