"""Levels on the learner list: badge columns, level and flag filters, sorting by level, and the list's CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bksb_integration.models import BksbLink
from tests.bksb_integration.levels.cohort_support import cohort_build, day
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, tutor):
    client.force_login(tutor)
    return client


def _names(response) -> list[str]:
    """The records the list shows, in order (the Name column's links)."""
    return re.findall(r'href="/learners/\d+/">([^<]+), Ann</a>', response.content.decode())


def _list(client, **params):
    response = client.get(reverse("learners:list"), params)
    assert response.status_code == 200
    return response


def test_level_columns_show_a_short_badge_with_the_full_text_on_hover(staff_client):
    cohort_build()
    html = _list(staff_client).content.decode()
    for header in ("<th>English</th>", "<th>Maths</th>", "<th>ICT/Digital</th>"):
        assert header in html
    assert 'title="English: Entry 3, latest result (Initial assessment, 1 Sep 2026)"' in html
    assert '<span aria-hidden="true">E3</span><span class="visually-hidden">English: Entry 3, latest result' in html
    assert 'title="Maths: Level 1, latest result (Diagnostic, 1 Oct 2026)"' in html
    assert 'title="English: results not mapped to a level"' in html
    assert '<span aria-hidden="true">L2</span>' in html  # Steady's ICT


def test_maths_below_level_1_lists_exactly_those_records(staff_client):
    cohort_build()
    response = _list(staff_client, bksb_maths="below_level_1")
    assert _names(response) == ["Diagnostic", "Falling", "January"]
    assert "3 records" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bksb_english": "entry_3_or_below"}, ["Rising"]),
        ({"bksb_english": "unmapped"}, ["Falling"]),
        ({"bksb_maths": "level_1"}, ["Rising", "Steady"]),
        ({"bksb_ict": "none"}, ["Diagnostic", "Falling", "January", "Rising", "Unassessed"]),
        ({"bksb_initial": "none"}, ["Diagnostic", "Unassessed"]),
        ({"bksb_initial": "english_done"}, ["Falling", "Rising"]),
        ({"bksb_unmapped": "yes"}, ["Falling"]),
        ({"bksb_movement": "maths_up"}, ["Rising"]),
        ({"bksb_movement": "maths_no_diagnostic"}, ["January", "Steady"]),
        ({"bksb_maths": "below_level_1", "start_from": "2026-09-01"}, ["Diagnostic", "Falling"]),
    ],
)
def test_level_filters_from_the_query_string(staff_client, params, expected):
    cohort_build()
    assert _names(_list(staff_client, **params)) == expected


def test_the_filters_are_selects_with_the_words_staff_use(staff_client):
    html = _list(staff_client).content.decode()
    assert '<label for="id_bksb_maths">Maths level</label>' in html
    assert '<option value="below_level_1">Below Level 1</option>' in html
    assert '<option value="entry_3_or_below">Entry 3 or below</option>' in html
    assert '<option value="none">No initial assessment yet</option>' in html
    assert '<option value="yes">Has unmapped results</option>' in html
    assert '<label for="id_bksb_flag">Funding flag</label>' in html


def test_an_unknown_level_value_is_ignored_not_an_error(staff_client):
    cohort_build()
    assert len(_names(_list(staff_client, bksb_maths="level_9'; drop table"))) == 6


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("english_entitlement", ["Rising"]),  # English Entry 3 at initial assessment; Falling's is not mapped
        ("maths_entitlement", ["Falling", "January", "Rising", "Steady"]),
        ("maths_prior_knowledge", ["Steady"]),
        # Starts on 7 Sep 2026 (January's on 12 Jan 2026, assessed in February).
        ("maths_no_initial", ["Diagnostic", "January", "Unassessed"]),
        ("digital_below", []),  # Steady's ICT is Level 2
    ],
)
def test_funding_flag_filter(staff_client, code, expected):
    cohort_build()
    assert _names(_list(staff_client, bksb_flag=code)) == expected


def test_sorting_by_maths_level_lowest_first_puts_records_without_one_last(staff_client):
    cohort_build()
    assert _names(_list(staff_client, sort="bksb_maths_low")) == [
        "January",  # Pre-Entry
        "Diagnostic",  # Entry 1
        "Falling",  # Entry 2
        "Rising",  # Level 1 (then by name)
        "Steady",
        "Unassessed",
    ]
    assert _names(_list(staff_client, sort="bksb_maths_high"))[:2] == ["Rising", "Steady"]


def test_the_lists_csv_carries_the_level_columns(staff_client):
    cohort_build()
    response = staff_client.get(reverse("learners:export"), {"bksb_maths": "below_level_1"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header = rows[0]
    # The level columns, then the tutors' judgements beside them (decisions/views/list_columns.py).
    assert header[-4:] == ["English", "Maths", "ICT/Digital", "Judgements"]
    by_name = {row[header.index("Last name")]: row for row in rows[1:]}
    assert set(by_name) == {"Diagnostic", "Falling", "January"}
    assert by_name["Falling"][-4:-1] == ["Not mapped", "Entry 2", ""]
    assert by_name["January"][-4:-1] == ["", "Pre-Entry", ""]


def test_only_the_current_bksb_users_results_count(staff_client):
    learner = LearnerFactory(last_name="Relinked", first_name="Ann")
    store(learner, item(71, "Maths Entry 1", when=day(0)), user_id=3200001)
    store(learner, item(72, "Maths Level 2", when=day(1)), user_id=3200002)
    assert BksbLink.objects.get(learner=learner).bksb_user_id == 3200002
    assert _names(_list(staff_client, bksb_maths="level_2")) == ["Relinked"]
    assert _names(_list(staff_client, bksb_maths="entry_1")) == []


def _many(count: int, prefix: str) -> None:
    for n in range(count):
        learner = LearnerFactory(last_name=f"{prefix}{n:03d}", first_name="Ann")
        store(
            learner,
            item(80000 + n, "Maths Entry 2", when=day(0)),
            item(81000 + n, "English Level 1", subject="english", when=day(0), assessment_id=50100),
            user_id=3300000 + n,
        )


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        _list(client, **params)
    return len(queries.captured_queries)


def test_the_filtered_list_runs_the_same_queries_for_10_and_100_matching_records(staff_client):
    params = {"bksb_maths": "below_level_1", "bksb_initial": "maths_done", "sort": "bksb_english_low"}
    _many(10, "Few")
    _queries(staff_client, params)  # warm the session and the permission caches
    few = _queries(staff_client, params)
    _many(90, "More")
    many = _queries(staff_client, params)
    assert "100 records" in _list(staff_client, **params).content.decode()
    assert few == many


def test_levels_join_the_list_only_where_the_bksb_module_is_taken_up(monkeypatch, settings):
    from bksb_integration.levels.views.list_columns import list_levels_register
    from learners import listing

    for name in ("_filters", "_columns", "_sorts", "_actions", "_links"):
        monkeypatch.setattr(listing, name, {})
    settings.BKSB_INTEGRATION_AVAILABLE = False
    list_levels_register()
    assert (listing.list_columns(), listing.list_filters(), listing.list_sorts()) == ([], [], [])
    settings.BKSB_INTEGRATION_AVAILABLE = True
    list_levels_register()
    assert [column.header for column in listing.list_columns()] == ["English", "Maths", "ICT/Digital"]
    assert "bksb_maths" in {f.param for f in listing.list_filters()}


def test_staff_without_the_bksb_module_see_no_levels_and_cannot_filter_by_them(client, staff_with):
    cohort_build()
    client.force_login(staff_with("view_learners", username="listonly"))
    response = _list(client, bksb_maths="below_level_1", sort="bksb_maths_low")
    html = response.content.decode()
    assert "<th>Maths</th>" not in html
    assert 'id="id_bksb_maths"' not in html
    assert "Entry 2" not in html
    assert len(_names(response)) == 6  # the filter is not applied for them
    assert "Reports for this cohort" not in html
    export = client.get(reverse("learners:export"), {"bksb_maths": "below_level_1"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert "Maths" not in rows[0]
    assert len(rows) == 7
