"""The learner list's column chooser (each person's columns, kept in the database) and its filter chips."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from learners import listing
from learners.columns import list_columns_chosen
from learners.listing import ListColumn
from learners.models import LearningStatus, ListPreference
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def _headers(page: str) -> list[str]:
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = [cell.split("</th>", 1)[0] for cell in head.split("<th>")[1:]]
    return [cell for cell in cells if "Select" not in cell]  # the boxes of the list's actions


def _choose(client, *columns: str, list_query: str = ""):
    return client.post(reverse("learners:columns"), {"column": list(columns), "list_query": list_query})


def test_the_default_columns_leave_out_email_web_user_and_system_status(client, tutor):
    LearnerFactory(email="shown.nowhere@example.org")
    client.force_login(tutor)
    page = client.get(reverse("learners:list")).text
    headers = _headers(page)
    assert headers[:5] == ["Reference", "Name", "Type", "Learning status", "BKSB User"]
    assert {"English", "Maths", "ICT/Digital", "Initial assessments"} <= set(headers)
    assert not {"Email", "Web user", "System status"} & set(headers)
    assert "shown.nowhere@example.org" not in page.split("<tbody>", 1)[1]


def test_a_persons_columns_are_kept_for_them_and_nobody_else(client, tutor, manager):
    LearnerFactory(email="a.learner@example.org", learning_status=LearningStatus.WITHDRAWN)
    client.force_login(tutor)
    response = _choose(client, "email", "kind", "bksb_maths_level", list_query="learning_status=withdrawn&page=3")
    assert response.status_code == 302
    assert response["Location"] == "/learners/?learning_status=withdrawn"

    headers = _headers(client.get(reverse("learners:list")).text)
    assert headers == ["Reference", "Name", "Type", "Email", "Maths"]
    assert ListPreference.objects.get(user=tutor).columns == {
        "email": True,
        "learning_status": False,
        "bksb_user": False,
        "bksb_status": False,
        "bksb_english_level": False,
        "bksb_ict_level": False,
    }
    client.force_login(manager)
    assert "Email" not in _headers(client.get(reverse("learners:list")).text)
    assert "Learning status" in _headers(client.get(reverse("learners:list")).text)

    client.force_login(tutor)
    client.post(reverse("learners:columns"), {"reset": "1"})
    assert not ListPreference.objects.filter(user=tutor).exists()
    assert "Learning status" in _headers(client.get(reverse("learners:list")).text)


def test_unknown_columns_are_ignored_and_the_way_back_is_only_ever_the_list(client, tutor):
    client.force_login(tutor)
    response = _choose(client, "kind", "password", "<script>", list_query="next=https://evil.example/&q=smith")
    assert response["Location"] == "/learners/?q=smith"
    assert set(ListPreference.objects.get(user=tutor).columns) == {
        "learning_status",
        "bksb_user",
        "bksb_status",
        "bksb_english_level",
        "bksb_maths_level",
        "bksb_ict_level",
    }


def test_the_chooser_is_for_staff_who_may_see_learners_and_only_posts(client, tutor, outsider):
    client.force_login(outsider)
    assert _choose(client, "email").status_code == 403
    assert not ListPreference.objects.exists()
    client.force_login(tutor)
    assert client.get(reverse("learners:columns")).status_code == 405


def test_a_hidden_column_is_not_read(client, tutor, django_assert_max_num_queries):
    LearnerFactory.create_batch(3, bksb_user=True)
    client.force_login(tutor)
    client.get(reverse("learners:list"))  # the first visit creates the bksb settings row the flag filter reads
    with django_assert_max_num_queries(30) as every:
        client.get(reverse("learners:list"))
    every_read = len(every.captured_queries)  # read now: the next capture reuses the connection's log
    _choose(client, "kind", "learning_status", "bksb_user")  # the level and status columns hidden
    with django_assert_max_num_queries(30) as fewer:
        client.get(reverse("learners:list"))
    assert len(fewer.captured_queries) == every_read - 4
    assert not any("bksb_learner_level" in query["sql"] for query in fewer.captured_queries)


def test_the_csv_carries_every_column_the_person_may_see_whatever_the_list_shows(client, tutor):
    LearnerFactory(learner_ref="R1", email="r1@example.org")
    client.force_login(tutor)
    _choose(client, "kind")
    response = client.get(reverse("learners:export"))
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {
        "Email",
        "System status",
        "Learning status",
        "English",
        "Maths",
        "ICT/Digital",
        "Initial assessments",
    } <= set(header)


def test_a_column_added_later_shows_by_its_own_default(tutor, monkeypatch):
    ListPreference.objects.create(user=tutor, columns={"email": True})
    monkeypatch.setattr(listing, "_columns", {})
    for key, default in (("later_on", True), ("later_off", False)):
        listing.list_column_register(ListColumn(key, key, lambda learners: {}, "x.html", str, shown_by_default=default))
    chosen = list_columns_chosen(user=tutor)
    assert [column.key for column in chosen.registered] == ["later_on"]
    assert chosen.own["email"] is True
    assert chosen.changed


def test_each_chosen_filter_is_a_chip_whose_link_removes_it_alone(client, tutor):
    client.force_login(tutor)
    page = client.get(
        reverse("learners:list"),
        {"q": "smith", "learning_status": "withdrawn", "start_from": "2026-09-01", "bksb_maths": "entry_3_or_below"},
    ).text
    chips = page.split('class="chip-list"', 1)[1].split("</ul>", 1)[0]
    assert chips.count('class="chip"') == 3
    # In the panel's order, each named for a screen reader, each linking to the list without it (search kept).
    assert (
        '<a class="chip" href="/learners/?q=smith&amp;start_from=2026-09-01&amp;bksb_maths=entry_3_or_below"'
    ) in chips
    hidden = '<span class="visually-hidden">Remove filter: </span>'
    assert f'{hidden}<span class="chip-label">Start date from</span> 1 Sep 2026' in chips
    assert f'{hidden}<span class="chip-label">Maths level</span> Entry 3 or below' in chips
    assert 'href="/learners/?q=smith&amp;learning_status=withdrawn&amp;start_from=2026-09-01"' in chips
    assert 'href="/learners/?q=smith"' in page  # Clear all filters keeps the search


def test_no_chip_when_nothing_is_chosen(client, tutor):
    client.force_login(tutor)
    page = client.get(reverse("learners:list"), {"q": "smith"}).text
    assert 'class="chip-list"' not in page
    assert "No filter chosen: open Filters to narrow the list." in page


def test_a_chip_redraws_the_filters_and_the_table_together(client, tutor):
    client.force_login(tutor)
    url = reverse("learners:list")
    both = client.get(url, {"kind": "learner"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="learner-list").text
    assert 'id="learner-list"' in both
    assert 'id="filter-panel"' in both
    table = client.get(url, {"kind": "learner"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="learner-table").text
    assert 'id="filter-panel"' not in table
    assert 'class="chip-list"' in table
