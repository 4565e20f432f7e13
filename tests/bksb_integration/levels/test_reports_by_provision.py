"""Reports' Compare provision types: every chart split by provision type, with its table and in the CSV, for
staff with View prior attainment only; a constant number of queries whatever the cohort."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bksb_integration.decisions.judgements import judgement_record
from bksb_integration.levels.cohort import cohort_by_provision
from learners.models import Learner, ProvisionType
from tests.bksb_integration.levels.cohort_support import Cohort, cohort_build, day
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

REPORTS = "/management/bksb/reports/"
CSV = "/management/bksb/reports/report.csv"
COMPARE = {"by": "provision"}
TYPES = ["Young people (16 to 19)", "Adults", "Apprenticeships", "High needs", "Not known"]


@pytest.fixture
def cohort() -> Cohort:
    """cohort_build's six, each of a known provision type: every type has known counts at each level."""
    built = cohort_build()
    types = {
        built.rising: ProvisionType.APPRENTICESHIPS,  # maths Entry 2 -> Level 1 (up)
        built.steady: ProvisionType.YOUNG_PEOPLE,  # maths Level 1, no diagnostic
        built.falling: ProvisionType.ADULTS,  # maths Entry 3 -> Entry 2 (down)
        built.unassessed: ProvisionType.HIGH_NEEDS,  # no results
        built.january: ProvisionType.YOUNG_PEOPLE,  # maths Pre-Entry, no diagnostic
    }  # diagnostic_only (maths diagnostic Entry 1, no initial assessment): not known
    for learner, provision in types.items():
        Learner.objects.filter(pk=learner.pk).update(provision_type=provision)
    return built


def _chart_data(html: str) -> dict:
    found = re.search(r'<script id="cohort-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def _by_label(chart: dict) -> dict[str, list[int]]:
    return {dataset["label"]: dataset["data"] for dataset in chart["datasets"]}


def _table(html: str, name: str) -> list[list[str]]:
    """The table's rows as a user reads them: each cell's text."""
    found = re.search(rf'aria-label="{re.escape(name)}">(.*?)</table>', html, re.S)
    assert found, name
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_each_chart_shows_a_bar_per_provision_type_with_the_counts_of_each(client, manager, cohort):
    client.force_login(manager)
    html = client.get(REPORTS, COMPARE).content.decode()
    charts = _chart_data(html)["charts"]

    levels = charts["levels-maths"]
    assert levels["title"] == "Latest levels: Maths by provision type"
    assert levels["labels"] == TYPES
    by_level = _by_label(levels)
    assert by_level["Level 1"] == [1, 0, 1, 0, 0]  # Steady, Rising
    assert by_level["Pre-Entry"] == [1, 0, 0, 0, 0]  # January
    assert by_level["Entry 2"] == [0, 1, 0, 0, 0]  # Falling
    assert by_level["Entry 1"] == [0, 0, 0, 0, 1]  # Diagnostic
    assert by_level["No results yet"] == [0, 0, 0, 1, 0]  # Unassessed
    assert _by_label(charts["levels-english"])["Entry 3"] == [0, 0, 1, 0, 0]
    assert _by_label(charts["assessed-maths"]) == {
        "Initial assessment done": [2, 1, 1, 0, 0],
        "Not yet assessed": [0, 0, 0, 1, 1],
    }
    assert _by_label(charts["movement-maths"]) == {
        "Moved up": [0, 0, 1, 0, 0],
        "Same level": [0, 0, 0, 0, 0],
        "Moved down": [0, 1, 0, 0, 0],
        "No diagnostic yet": [2, 0, 0, 0, 0],
    }
    # The whole cohort's charts are still there, as they were.
    assert _by_label(charts["levels"])["Level 1"] == [0, 2, 0]


def test_each_chart_by_provision_type_has_the_same_numbers_as_a_table(client, manager, cohort):
    client.force_login(manager)
    html = client.get(REPORTS, COMPARE).content.decode()

    rows = _table(html, "Latest levels: Maths by provision type")
    assert rows[0] == ["Learners", *TYPES]
    assert ["Level 1", "1 50.0%", "0 0.0%", "1 100.0%", "0 0.0%", "0 0.0%"] in rows
    assert ["No results yet", "0 0.0%", "0 0.0%", "0 0.0%", "1 100.0%", "0 0.0%"] in rows
    # Movement percentages are of each type's learners with an initial assessment level (none: no percentage).
    movement = _table(html, "From initial assessment to latest diagnostic: Maths by provision type")
    assert ["No diagnostic yet", "2 100.0%", "0 0.0%", "0 0.0%", "0", "0"] in movement


def test_each_count_links_to_the_list_of_that_type_and_category_unless_the_cohort_is_another_type(
    client, manager, cohort
):
    client.force_login(manager)
    charts = _chart_data(client.get(REPORTS, {**COMPARE, "start_from": "2026-09-01"}).content.decode())["charts"]
    level_1 = next(set for set in charts["levels-maths"]["datasets"] if set["label"] == "Level 1")
    link = urlparse(level_1["links"][2])
    assert link.path == "/learners/"
    assert parse_qs(link.query) == {
        "start_from": ["2026-09-01"],
        "provision": ["apprenticeships"],
        "bksb_maths": ["level_1"],
    }

    charts = _chart_data(client.get(REPORTS, {**COMPARE, "provision": "adults"}).content.decode())["charts"]
    entry_2 = next(set for set in charts["levels-maths"]["datasets"] if set["label"] == "Entry 2")
    assert entry_2["data"] == [0, 1, 0, 0, 0]
    assert entry_2["links"][0] == ""  # the cohort is adults only: no list of young people to open
    assert "provision=adults" in entry_2["links"][1]


def test_the_switch_shows_to_those_with_the_right_and_keeps_the_cohort(client, manager, cohort):
    client.force_login(manager)
    html = client.get(REPORTS, {"start_from": "2026-09-01"}).content.decode()
    assert "Compare provision types in every chart</a>" in html
    assert 'data-chart="levels-maths"' not in html
    assert "levels-maths" not in _chart_data(html)["charts"]

    html = client.get(REPORTS, {**COMPARE, "start_from": "2026-09-01"}).content.decode()
    assert (
        'href="/management/bksb/reports/?start_from=2026-09-01">Show the charts for the whole cohort only</a>' in html
    )
    assert '<input type="hidden" name="by" value="provision">' in html
    assert 'href="/management/bksb/reports/report.csv?start_from=2026-09-01&amp;by=provision">Download CSV' in html


def test_without_view_prior_attainment_the_page_and_csv_are_todays(client, tutor, cohort):
    client.force_login(tutor)
    token = re.compile(r'"[A-Za-z0-9]{64}"')  # the CSRF token, masked afresh for each page
    today = token.sub("", client.get(REPORTS).content.decode())
    asked = token.sub("", client.get(REPORTS, COMPARE).content.decode())
    assert asked == today
    assert "Compare provision types" not in asked
    assert "Young people" not in asked
    assert client.get(CSV, COMPARE).content == client.get(CSV).content


def test_the_csv_carries_the_split_when_the_switch_is_on(client, manager, cohort):
    client.force_login(manager)
    rows = list(csv.reader(io.StringIO(client.get(CSV, COMPARE).content.decode())))
    assert ["Latest levels", "Maths", "Level 1", "2", "33.3"] in rows  # the whole cohort's, as before
    assert ["Latest levels", "Maths", "Level 1, Young people (16 to 19)", "1", "50.0"] in rows
    assert ["Assessed and not yet assessed", "Maths", "Not yet assessed, Not known", "1", "100.0"] in rows
    assert ["From initial assessment to latest diagnostic", "Maths", "Moved down, Adults", "1", "100.0"] in rows

    plain = client.get(CSV).content.decode()
    assert "Level 1, Young people (16 to 19)" not in plain


def test_judgements_counted_are_split_by_provision_type_too(client, manager, cohort):
    judgement_record(learner=cohort.steady, subject="maths", level="entry_3", reason="Class work", recorded_by=None)
    judgement_record(learner=cohort.falling, subject="maths", level="entry_3", reason="Class work", recorded_by=None)
    client.force_login(manager)
    charts = _chart_data(client.get(REPORTS, {**COMPARE, "counted": "judgement"}).content.decode())["charts"]
    by_level = _by_label(charts["levels-maths"])
    assert by_level["Entry 3"] == [1, 1, 0, 0, 0]
    assert by_level["No judgement recorded"] == [1, 0, 1, 1, 1]


def _more_learners(n: int) -> None:
    kinds = [*ProvisionType.values, ""]
    for i in range(n):
        learner = LearnerFactory(learner_ref=f"P{i:03}", provision_type=kinds[i % len(kinds)])
        store(learner, item(8000 + i, "Maths Entry 3", when=day(i % 9)), user_id=4300000 + i)


def test_the_split_is_counted_in_two_queries_never_one_per_type(cohort):
    with CaptureQueriesContext(connection) as queries:
        split = cohort_by_provision(learners=Learner.objects.all())
    # The cohort's size by provision type, and its summary rows grouped by provision type too.
    assert len(queries) == 2
    assert [part.key for part in split] == [*ProvisionType.values, "not_known"]
    assert [part.report.size for part in split] == [2, 1, 1, 1, 1]


@pytest.mark.parametrize("counted", ["bksb", "judgement"])
def test_the_compared_page_and_csv_take_as_many_queries_for_a_larger_cohort(client, manager, cohort, counted):
    client.force_login(manager)
    params = {**COMPARE, "counted": counted}

    def queries(url: str) -> int:
        client.get(url, params)  # the session and settings cached alike for both counts
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    small = queries(REPORTS), queries(CSV)
    _more_learners(25)
    assert (queries(REPORTS), queries(CSV)) == small
