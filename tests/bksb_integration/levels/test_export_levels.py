"""bksb_export_levels: the summary per record with tags and flags, as CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from bksb_integration.models import TagRule
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def records():
    TagRule.objects.create(name="Maths support: Entry", subject="maths", levels=["entry_2", "entry_3"])
    assessed = LearnerFactory(learner_ref="A1", first_name="=HYPERLINK(1)", start_date=dt.date(2026, 9, 30))
    store(
        assessed,
        item(11, "Maths Entry 3", when=SEP),
        item(12, "Maths Level 1", when=SEP + dt.timedelta(days=9), kind="diagnostic", score=61.0),
        item(13, "English: see tutor", subject="english", when=SEP),
    )
    not_yet = LearnerFactory(learner_ref="B2", start_date=None)
    return assessed, not_yet


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("bksb_export_levels", *args, stdout=out)
    return out.getvalue()


def test_csv_has_a_row_per_record_with_levels_tags_and_flags(records):
    rows = list(csv.DictReader(io.StringIO(_run())))
    assert [row["learner_ref"] for row in rows] == ["A1", "B2"]
    first = rows[0]
    assert first["first_name"] == "'=HYPERLINK(1)"
    assert (first["maths_latest_level"], first["maths_initial_latest_level"], first["maths_diagnostic_level"]) == (
        "level_1",
        "entry_3",
        "level_1",
    )
    assert first["maths_diagnostic_score"] == "61.0"
    assert (first["english_has_unmapped"], first["english_latest_level"], first["has_unmapped"]) == (
        "True",
        "",
        "True",
    )
    assert first["tags"] == "Maths support: Entry"
    assert first["flags"] == "maths_entitlement"
    assert rows[1]["flags"] == rows[1]["tags"] == rows[1]["maths_latest_level"] == ""


def test_json_carries_the_results_the_flags_rest_on(records):
    data = json.loads(_run("--json"))
    assert [record["learner_ref"] for record in data] == ["A1", "B2"]
    (flag,) = data[0]["flags"]
    assert (flag["code"], flag["session_id"], flag["assessment_id"]) == ("maths_entitlement", 11, 50000)
    assert data[0]["subjects"]["maths"]["latest_date"] == (SEP + dt.timedelta(days=9)).isoformat()
    assert data[0]["tags"] == [{"tag": "Maths support: Entry", "level": "entry_3", "session_id": 11}]
    assert data[1]["subjects"] == {}


def test_csv_and_json_cannot_both_be_asked_for(records):
    with pytest.raises(Exception, match="not allowed with argument"):
        _run("--csv", "--json")
