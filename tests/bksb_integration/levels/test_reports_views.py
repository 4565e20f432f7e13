"""Management > BKSB > Reports: who may open it, the cohort it reports on, its links back to the list, its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.bksb_integration.levels.cohort_support import cohort_build
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

REPORTS = "/management/bksb/reports/"


@pytest.fixture
def staff_client(client, tutor):
    client.force_login(tutor)
    return client


def _chart_data(html: str) -> dict:
    found = re.search(r'<script id="cohort-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page hands the charts their data in a json_script element"
    return json.loads(found.group(1))


def test_reports_need_the_bksb_module_and_the_learner_list(client, staff_with, tutor, settings):
    assert reverse("bksb:reports") == REPORTS
    client.force_login(staff_with("view_learners", username="listonly"))
    assert client.get(REPORTS).status_code == 403
    assert client.get(reverse("bksb:reports_csv")).status_code == 403
    client.force_login(staff_with("bksb_module", username="bksbonly"))
    assert client.get(REPORTS).status_code == 403
    client.force_login(tutor)
    assert client.get(REPORTS).status_code == 200
    settings.BKSB_INTEGRATION_AVAILABLE = False
    assert client.get(REPORTS).status_code == 403


def test_management_menu_links_to_reports_for_those_allowed(client, tutor, staff_with):
    client.force_login(tutor)
    assert f'href="{REPORTS}">Reports</a>' in client.get(reverse("learners:list")).content.decode()
    client.force_login(staff_with("view_learners", username="listonly"))
    html = client.get(reverse("learners:list")).content.decode()
    assert REPORTS not in html


def test_the_report_counts_the_cohort_picked_with_the_lists_filters(staff_client):
    cohort_build()
    html = staff_client.get(REPORTS, {"start_from": "2026-09-01", "learning_status": "in_learning"}).content.decode()
    # In learning from September: Rising, Steady, Falling and Diagnostic (Unassessed withdrew).
    assert "<strong>4</strong> records in this cohort" in html
    data = _chart_data(html)
    assert data["size"] == 4
    levels = data["charts"]["levels"]
    assert levels["labels"] == ["English", "Maths", "ICT/Digital"]
    by_label = {dataset["label"]: dataset["data"] for dataset in levels["datasets"]}
    assert by_label["Level 1"] == [0, 2, 0]
    assert by_label["Entry 2"] == [0, 1, 0]
    assert by_label["No results yet"] == [2, 0, 3]
    movement = {dataset["label"]: dataset["data"] for dataset in data["charts"]["movement"]["datasets"]}
    assert movement["Moved up"] == [0, 1, 0]
    assert movement["Moved down"] == [0, 1, 0]


def test_each_segment_links_to_the_list_filtered_to_the_cohort_and_the_segment(staff_client):
    cohort_build()
    html = staff_client.get(REPORTS, {"start_from": "2026-09-01", "bksb_tag": "", "page": "3"}).content.decode()
    levels = _chart_data(html)["charts"]["levels"]
    entry_2 = next(dataset for dataset in levels["datasets"] if dataset["label"] == "Entry 2")
    maths_link = entry_2["links"][1]
    assert urlparse(maths_link).path == reverse("learners:list")
    assert parse_qs(urlparse(maths_link).query) == {"start_from": ["2026-09-01"], "bksb_maths": ["entry_2"]}
    # The same link is in the table beside the chart (it works without JavaScript), and the list shows Falling.
    assert f'href="{maths_link.replace("&", "&amp;")}">1</a>' in html
    listed = staff_client.get(maths_link).content.decode()
    assert "Falling, Ann" in listed
    assert "1 record" in listed
    assessed = _chart_data(html)["charts"]["assessed"]
    not_yet = next(dataset for dataset in assessed["datasets"] if dataset["label"] == "Not yet assessed")
    assert parse_qs(urlparse(not_yet["links"][1]).query)["bksb_initial"] == ["maths_none"]


def test_a_cohort_from_the_list_keeps_every_filter_and_names_those_the_form_does_not_show(staff_client):
    cohort_build()
    list_html = staff_client.get(reverse("learners:list"), {"bksb_maths": "below_level_1"}).content.decode()
    link = re.search(r'href="(/management/bksb/reports/\?[^"]+)">Reports for this cohort</a>', list_html)
    assert link, "the filtered list links to the report for its cohort"
    report_url = link.group(1).replace("&amp;", "&")
    html = staff_client.get(report_url).content.decode()
    assert "<strong>3</strong> records in this cohort" in html
    assert "<strong>Maths level: Below Level 1</strong>" in html
    assert '<input type="hidden" name="bksb_maths" value="below_level_1">' in html


def test_a_bad_date_is_named_and_left_out(staff_client):
    cohort_build()
    html = staff_client.get(REPORTS, {"start_from": "01/09/2026"}).content.decode()
    assert "Start date from: enter a date such as 2026-09-01" in html
    assert "<strong>6</strong> records in this cohort" in html


def test_the_page_runs_no_inline_script_and_loads_chartjs_from_static(staff_client):
    cohort_build()
    response = staff_client.get(REPORTS)
    html = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert 'src="/static/js/cohort_report.js"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_report_downloads_as_csv(staff_client):
    cohort_build()
    response = staff_client.get(reverse("bksb:reports_csv"), {"start_from": "2026-09-01"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bksb-cohort-report.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["Cohort", "", "Learners in the cohort", "5", ""] in rows
    assert ["Latest levels", "Maths", "Level 1", "2", "40.0"] in rows
    html = staff_client.get(REPORTS, {"start_from": "2026-09-01"}).content.decode()
    assert 'href="/management/bksb/reports/report.csv?start_from=2026-09-01">Download CSV</a>' in html


def test_funding_flags_are_counted_and_link_to_the_list_filtered_by_them(staff_client):
    cohort_build()
    html = staff_client.get(REPORTS, {"start_from": "2026-09-01"}).content.decode()
    label = "Maths prior knowledge shown: Level 1 or above at initial assessment"
    row = re.search(rf"<th scope=\"row\">{label}</th><td class=\"num\"><a href=\"([^\"]+)\">(\d+)</a>", html)
    assert row, "the flag's row, its count linked"
    assert row.group(2) == "1"
    link = row.group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"start_from": ["2026-09-01"], "bksb_flag": ["maths_prior_knowledge"]}
    listed = staff_client.get(link).content.decode()
    assert "Steady, Ann" in listed
    assert "1 record" in listed
    assert "decision support, not funding advice" in html
    rows = list(csv.reader(io.StringIO(staff_client.get(reverse("bksb:reports_csv")).content.decode())))
    assert ["Funding flags", "", label, "1", "16.7"] in rows


def test_a_count_the_list_cannot_show_for_the_cohort_has_no_link(staff_client):
    cohort_build()
    html = staff_client.get(REPORTS, {"bksb_maths": "below_level_1", "bksb_flag": "maths_entitlement"}).content.decode()
    levels = {d["label"]: d["links"] for d in _chart_data(html)["charts"]["levels"]["datasets"]}
    # Maths Entry 2 lies within "below Level 1": the list shows it exactly.
    assert "bksb_maths=entry_2" in levels["Entry 2"][1]
    # Maths "no results" cannot be within "below Level 1" (and counts 0): no link.
    assert levels["No results yet"][1] == ""
    # Another flag than the cohort's: the list takes one flag, so no link, the number only.
    english = re.escape(
        "English assessed below Level 2, aged 19+, no GCSE grade 4: eligible for the fully funded entitlement"
    )
    assert re.search(rf"<th scope=\"row\">{english}</th><td class=\"num\"><span title=", html)


def test_the_page_asks_the_same_number_of_queries_whatever_the_cohort(staff_client):
    cohort_build()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(REPORTS).status_code == 200
        return len(captured.captured_queries)

    queries()  # the first asking also reads the session and caches the settings
    before = queries()
    for n in range(5):  # more learners, each with initial assessments, a reassessment and a diagnostic
        learner = LearnerFactory(learner_ref=f"Q{n}")
        store(
            learner,
            item(900 + n * 10, "Maths Entry 2", when=dt.datetime(2026, 9, 1, tzinfo=dt.UTC)),
            item(901 + n * 10, "Maths Entry 3", when=dt.datetime(2026, 9, 20, tzinfo=dt.UTC)),
            item(902 + n * 10, "English Level 1", subject="english", when=dt.datetime(2026, 9, 1, tzinfo=dt.UTC)),
            item(
                903 + n * 10,
                "Maths Level 1",
                kind="diagnostic",
                score=70.0,
                when=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            ),
            user_id=3900000 + n,
        )
    assert queries() == before
