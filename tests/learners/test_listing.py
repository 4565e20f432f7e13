"""The learner list's extension points: start dates, registered filters, columns, sorts and actions,
"all matching this filter", and the list's CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db.models import Value
from django.db.models.functions import Length
from django.http import QueryDict
from django.urls import reverse

from learners import listing
from learners.listing import ListAction, ListColumn, ListFilter, ListSort
from learners.models import Learner
from learners.selection import learners_selected
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(monkeypatch):
    """A filter (has an email), a column (the email's domain, read in one query per page), a sort
    (longest surname first) and an action, registered for one test only."""
    for name in ("_filters", "_columns", "_sorts", "_actions"):
        monkeypatch.setattr(listing, name, {})
    reads = []

    def domains(learners):
        reads.append(len(learners))
        rows = Learner.objects.filter(pk__in=[learner.pk for learner in learners]).values_list("pk", "email")
        return {pk: email.partition("@")[2] for pk, email in rows}

    listing.list_filter_register(
        ListFilter(
            param="has_email",
            label="Has an email",
            choices=lambda: [("yes", "Yes"), ("no", "No")],
            apply=lambda qs, value: qs.exclude(email="") if value == "yes" else qs.filter(email=""),
        )
    )
    listing.list_column_register(
        ListColumn(
            key="domain",
            header="Email domain",
            values=domains,
            template="learners/test_cell.html",
            csv=lambda value: value or "",
        )
    )
    listing.list_sort_register(
        ListSort(key="surname_length", label="Longest surname", order=lambda qs: qs.order_by(-Length("last_name")))
    )
    listing.list_action_register(
        ListAction(label="Count them", url_name="learners:list", allowed=lambda request: request.user.is_superuser)
    )
    return reads


@pytest.fixture(autouse=True)
def cell_template(settings, tmp_path):
    (tmp_path / "learners").mkdir()
    (tmp_path / "learners" / "test_cell.html").write_text("<span>@{{ value }}</span>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}, *settings.TEMPLATES[1:]]


def _names(response) -> list[str]:
    return [
        line.split('">', 1)[1].split("</a>")[0]
        for line in response.text.splitlines()
        if '<td><a href="/learners/' in line and ", " in line
    ]


def test_start_date_range_picks_records_starting_within_it(client, tutor):
    LearnerFactory(first_name="Early", last_name="Starter", start_date=dt.date(2026, 8, 31))
    LearnerFactory(first_name="September", last_name="Starter", start_date=dt.date(2026, 9, 1))
    LearnerFactory(first_name="October", last_name="Starter", start_date=dt.date(2026, 10, 15))
    LearnerFactory(first_name="Unknown", last_name="Starter", start_date=None)
    client.force_login(tutor)
    response = client.get(reverse("learners:list"), {"start_from": "2026-09-01", "start_to": "2026-09-30"})
    assert _names(response) == ["Starter, September"]
    assert 'value="2026-09-01"' in response.text


def test_a_malformed_start_date_is_said_and_left_out(client, tutor):
    LearnerFactory(first_name="Any", last_name="One", start_date=dt.date(2026, 9, 1))
    client.force_login(tutor)
    response = client.get(reverse("learners:list"), {"start_from": "31/13/2026"})
    assert "Start date from: enter a date such as 2026-09-01 (this filter was left out)." in response.text
    assert _names(response) == ["One, Any"]


def test_start_dates_the_wrong_way_round_are_pointed_out(client, tutor):
    client.force_login(tutor)
    response = client.get(reverse("learners:list"), {"start_from": "2026-10-01", "start_to": "2026-09-01"})
    assert "Start date from is after Start date to: no record can start in between." in response.text


def test_a_registered_filter_shows_as_a_select_and_narrows_the_list(client, tutor, registered):
    LearnerFactory(first_name="With", last_name="Mail", email="w@college.ac.uk")
    LearnerFactory(first_name="No", last_name="Mail", email="")
    client.force_login(tutor)
    page = client.get(reverse("learners:list")).text
    assert '<label for="id_has_email">Has an email</label>' in page
    assert _names(client.get(reverse("learners:list"), {"has_email": "no"})) == ["Mail, No"]
    # A value that is not one of the filter's choices is ignored, never passed on.
    assert len(_names(client.get(reverse("learners:list"), {"has_email": "'; drop table"}))) == 2


def test_a_filters_options_are_escaped_and_the_chosen_one_selected(client, tutor, monkeypatch):
    monkeypatch.setattr(listing, "_filters", {})
    choices = [("a&b", "Tom & <Jerry>"), ("c", "C")]
    listing.list_filter_register(ListFilter("odd", "Odd names", lambda: choices, lambda qs, value: qs))
    client.force_login(tutor)
    page = client.get(reverse("learners:list"), {"odd": "a&b"}).text
    assert '<option value="a&amp;b" selected>Tom &amp; &lt;Jerry&gt;</option><option value="c">C</option>' in page


def test_a_registered_column_is_read_once_per_page_whatever_its_length(
    client, tutor, registered, django_assert_max_num_queries
):
    client.force_login(tutor)
    LearnerFactory.create_batch(3, email="a@one.example")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("learners:list"))
    LearnerFactory.create_batch(40, email="b@two.example")
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = client.get(reverse("learners:list")).text
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "<th>Email domain</th>" in page
    assert page.count("<span>@two.example</span>") == 40
    assert registered == [3, 43]


def test_a_registered_sort_orders_the_list_with_ties_in_name_order(client, tutor, registered):
    for first, last in [("Bo", "Li"), ("Al", "Li"), ("Cy", "Fitzgerald"), ("Di", "Moss")]:
        LearnerFactory(first_name=first, last_name=last)
    client.force_login(tutor)
    response = client.get(reverse("learners:list"), {"sort": "surname_length"})
    assert _names(response) == ["Fitzgerald, Cy", "Moss, Di", "Li, Al", "Li, Bo"]
    assert '<option value="surname_length" selected>Longest surname</option>' in response.text


def test_actions_show_only_to_those_allowed_with_a_box_per_row(client, tutor, admin_user, registered):
    learner = LearnerFactory()
    client.force_login(tutor)
    page = client.get(reverse("learners:list")).text
    assert "Count them" not in page
    assert 'form="learner-selection"' not in page
    client.force_login(admin_user)
    page = client.get(reverse("learners:list")).text
    assert ">Count them</button>" in page
    assert f'name="learner" value="{learner.pk}" form="learner-selection"' in page
    assert "Select all 1 matching this filter" in page


def test_the_selection_is_the_ticked_rows_or_all_matching_the_posted_filters(registered):
    ada = LearnerFactory(first_name="Ada", last_name="Pick", email="ada@x.example")
    ben = LearnerFactory(first_name="Ben", last_name="Pick", email="")
    LearnerFactory(first_name="Cy", last_name="Other", email="cy@x.example")
    ticked = QueryDict(mutable=True)
    ticked.setlist("learner", [str(ben.pk), "nonsense", "999999"])
    assert list(learners_selected(ticked, None)) == [ben]

    everyone = QueryDict("scope=all_matching&q=pick&has_email=yes", mutable=True)
    everyone.setlist("learner", [str(ben.pk)])  # ticks are ignored when all matching is chosen
    assert list(learners_selected(everyone, None)) == [ada]


def test_the_list_downloads_as_csv_with_its_filters_and_columns(client, tutor, registered):
    LearnerFactory(
        learner_ref="R1", first_name="=HYPERLINK(1)", last_name="Csv", email="r1@mail.example", start_date=None
    )
    LearnerFactory(learner_ref="R2", first_name="Left", last_name="Out", email="")
    client.force_login(tutor)
    response = client.get(reverse("learners:export"), {"has_email": "yes"})
    assert response["Content-Disposition"] == 'attachment; filename="learners.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Reference", "Type", "First name"]
    assert rows[0][-1] == "Email domain"
    assert len(rows) == 2
    assert rows[1][0] == "R1"
    assert rows[1][2] == "'=HYPERLINK(1)"
    assert rows[1][-1] == "mail.example"


def test_the_csv_is_for_staff_who_may_see_learners(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("learners:export")).status_code == 403


def test_the_download_link_carries_the_filters(client, tutor):
    client.force_login(tutor)
    page = client.get(reverse("learners:list"), {"q": "smith", "kind": "applicant"}).text
    assert 'href="/learners/export.csv?q=smith&amp;kind=applicant"' in page


def test_a_filter_may_not_take_the_lists_own_names(monkeypatch):
    monkeypatch.setattr(listing, "_filters", {})
    with pytest.raises(ValueError, match="own parameters"):
        listing.list_filter_register(ListFilter("page", "Page", list, lambda qs, value: qs))


def test_value_annotation_sorts_work_with_deep_pages(client, tutor, monkeypatch):
    monkeypatch.setattr(listing, "_sorts", {})
    listing.list_sort_register(ListSort("constant", "Constant", lambda qs: qs.annotate(k=Value(1)).order_by("k")))
    LearnerFactory.create_batch(55)
    client.force_login(tutor)
    second = client.get(reverse("learners:list"), {"sort": "constant", "page": 2})
    assert "page 2 of 2" in second.text
    assert len(_names(second)) == 5


def test_what_a_user_may_not_see_is_left_off_the_list_its_filters_and_its_csv(client, tutor, admin_user, registered):
    hidden = ListColumn("secret", "Secret column", lambda learners: {}, "learners/test_cell.html", str, lambda u: False)
    listing.list_column_register(hidden)
    listing.list_filter_register(
        ListFilter("secret_filter", "Secret filter", lambda: [("x", "X")], lambda qs, v: qs.none(), lambda u: False)
    )
    listing.list_sort_register(ListSort("secret_sort", "Secret sort", lambda qs: qs, lambda u: False))
    LearnerFactory(last_name="Visible")
    client.force_login(tutor)
    page = client.get(reverse("learners:list"), {"secret_filter": "x", "sort": "secret_sort"}).text
    assert "Visible" in page
    assert "Secret" not in page
    assert "Email domain" in page
    export = b"".join(client.get(reverse("learners:export")).streaming_content).decode()
    assert "Secret column" not in export
    assert "Email domain" in export
