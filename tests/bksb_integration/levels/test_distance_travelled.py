"""Distance travelled: the first initial assessment against the latest diagnostic or reassessment, per subject and
provision type, on Reports and in the levels CSV, in one query whatever the cohort; today's comparison unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bksb_integration.levels.distance import DOWN, NOT_YET, SAME, UP, Distance, distance_tables, distances_for
from learners.models import Learner, ProvisionType
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def day(n: int) -> dt.datetime:
    return SEP + dt.timedelta(days=n)


@pytest.fixture
def cohort() -> dict[str, Learner]:
    def person(ref: str, provision: str = "") -> Learner:
        return LearnerFactory(learner_ref=ref, last_name=ref, provision_type=provision)

    people = {
        "climber": person("D1", ProvisionType.APPRENTICESHIPS),
        "retaken": person("D2", ProvisionType.APPRENTICESHIPS),
        "steady": person("D3", ProvisionType.YOUNG_PEOPLE),
        "once": person("D4", ProvisionType.YOUNG_PEOPLE),
        "diagnosed": person("D5"),
        "relinked": person("D6", ProvisionType.ADULTS),
        "up_and_down": person("D7"),
    }
    # Entry 2, reassessed at Entry 3, diagnostic Level 1: up 2 from the first (today's comparison: up from Entry 3).
    store(
        people["climber"],
        item(101, "Maths Entry 2", when=day(0)),
        item(102, "Maths Entry 3", when=day(10)),
        item(103, "Maths Level 1", when=day(30), kind="diagnostic", score=70.0),
        user_id=4100001,
    )
    # Level 1, then a reassessment at Entry 3 and no diagnostic: down 1.
    store(
        people["retaken"],
        item(201, "Maths Level 1", when=day(0)),
        item(202, "Maths Entry 3", when=day(20)),
        user_id=4100002,
    )
    # Entry 3, diagnostic Entry 3: the same; English Entry 1 only: no later assessment yet.
    store(
        people["steady"],
        item(301, "Maths Entry 3", when=day(0)),
        item(302, "Maths Entry 3", when=day(15), kind="diagnostic", score=50.0),
        item(303, "English Entry 1", subject="english", when=day(0), assessment_id=50030),
        user_id=4100003,
    )
    store(people["once"], item(401, "Maths Level 1", when=day(1)), user_id=4100004)
    # A diagnostic and no initial assessment: not counted.
    store(people["diagnosed"], item(501, "Maths Entry 1", when=day(2), kind="diagnostic", score=20.0), user_id=4100005)
    # A previous bksb user's Pre-Entry does not count: the current user's first is Level 1, then Level 2.
    store(people["relinked"], item(601, "Maths Pre-Entry", when=day(-300)), user_id=4100006)
    store(
        people["relinked"],
        item(602, "Maths Level 1", when=day(0)),
        item(603, "Maths Level 2", when=day(25), kind="diagnostic", score=80.0),
        user_id=4100016,
    )
    # Entry 1, diagnostic Level 1, then a later diagnostic at Entry 3: the latest counts, up 2.
    store(
        people["up_and_down"],
        item(701, "Maths Entry 1", when=day(0)),
        item(702, "Maths Level 1", when=day(20), kind="diagnostic", score=60.0),
        item(703, "Maths Entry 3", when=day(40), kind="diagnostic", score=40.0),
        user_id=4100007,
    )
    return people


def test_each_learner_is_compared_from_their_first_initial_to_their_latest_later_result(cohort):
    found = distances_for(learner.pk for learner in cohort.values())

    maths = {name: found.get(learner.pk, {}).get("maths") for name, learner in cohort.items()}
    assert maths == {
        "climber": Distance("entry_2", "level_1", UP, 2),
        "retaken": Distance("level_1", "entry_3", DOWN, 1),
        "steady": Distance("entry_3", "entry_3", SAME, 0),
        "once": Distance("level_1", None, NOT_YET, 0),
        "diagnosed": None,
        "relinked": Distance("level_1", "level_2", UP, 1),
        "up_and_down": Distance("entry_1", "entry_3", UP, 2),
    }
    assert found[cohort["steady"].pk]["english"] == Distance("entry_1", None, NOT_YET, 0)


def test_the_cohort_table_counts_by_movement_levels_moved_and_provision_type_in_one_query(cohort):
    with CaptureQueriesContext(connection) as queries:
        tables = distance_tables(learners=Learner.objects.all())
    assert len(queries) == 1

    maths = {(row.label): row.counts for row in tables[1].rows}
    assert tables[1].label == "Maths"
    assert tables[1].total == 6
    assert maths["Moved up"] == {"all": 3, "apprenticeships": 1, "adults": 1, "": 1}
    assert maths["Moved up by 1 level"] == {"all": 1, "adults": 1}
    assert maths["Moved up by 2 levels"] == {"all": 2, "apprenticeships": 1, "": 1}
    assert maths["Same level"] == {"all": 1, "young_people": 1}
    assert maths["Moved down"] == maths["Moved down by 1 level"] == {"all": 1, "apprenticeships": 1}
    assert maths["No diagnostic or reassessment yet"] == {"all": 1, "young_people": 1}


def test_the_query_count_does_not_grow_with_the_cohort(cohort):
    for n in range(20):
        learner = LearnerFactory(learner_ref=f"X{n:02}")
        store(learner, item(9000 + n, "Maths Entry 2", when=day(0)), user_id=4200000 + n)
    with CaptureQueriesContext(connection) as queries:
        distance_tables(learners=Learner.objects.all())
    assert len(queries) == 1


def test_reports_shows_the_table_by_provision_type_to_those_with_the_right_and_keeps_todays_comparison(
    client, manager, tutor, cohort
):
    client.force_login(manager)
    page = client.get("/management/bksb/reports/").content.decode()

    assert "Distance travelled" in page
    table = re.search(r'aria-label="Maths: distance travelled">(.*?)</table>', page, re.S)
    assert table is not None
    assert ">Apprenticeships</th>" in table.group(1)
    assert re.search(r"Moved up by 2 levels</span></th>\s*<td class=\"num\">2</td>", table.group(1))
    # Today's comparison, latest initial against latest diagnostic, is still there.
    assert "Initial assessment level against latest diagnostic level" in page

    client.force_login(tutor)
    page = client.get("/management/bksb/reports/").content.decode()
    table = re.search(r'aria-label="Maths: distance travelled">(.*?)</table>', page, re.S)
    assert table is not None
    assert ">All learners</th>" in table.group(1)
    assert "Apprenticeships" not in table.group(1)


def test_the_levels_csv_has_the_distance_columns(cohort):
    out = io.StringIO()
    call_command("bksb_export_levels", stdout=out)
    rows = {row["learner_ref"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}

    climber = rows["D1"]
    assert (climber["maths_first_initial_level"], climber["maths_distance"], climber["maths_distance_steps"]) == (
        "entry_2",
        "up",
        "2",
    )
    # Today's columns are as they were: the latest initial assessment is Entry 3.
    assert climber["maths_initial_latest_level"] == "entry_3"
    assert (rows["D4"]["maths_distance"], rows["D4"]["maths_distance_steps"]) == ("not_reassessed", "0")
    assert rows["D5"]["maths_distance"] == rows["D5"]["maths_first_initial_level"] == ""


def test_the_reports_csv_carries_distance_travelled(client, manager, tutor, cohort):
    client.force_login(manager)
    body = client.get("/management/bksb/reports/report.csv").content.decode()
    rows = [row for row in csv.reader(io.StringIO(body)) if row[0] == "Distance travelled"]

    assert ["Distance travelled", "Maths", "Moved up by 2 levels", "2", "33.3"] in rows
    assert ["Distance travelled", "Maths", "Moved down, Apprenticeships", "1", ""] in rows

    client.force_login(tutor)
    body = client.get("/management/bksb/reports/report.csv").content.decode()
    assert "Moved down, Apprenticeships" not in body
    assert "Distance travelled,Maths,Moved down,1,16.7" in body
