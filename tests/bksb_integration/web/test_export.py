"""CSV export (web and command) and the BKSB Tables reference."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.results.export import HEADER
from bksb_integration.results.tables_doc import ROW_ID, tables_documentation, tables_markdown, undescribed_columns
from bksbmis.csv_export import neutralise
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[3] / "docs" / "bksb-tables.md"


def _result(model, learner, session, result="Maths Entry 3", **extra):
    now = timezone.now()
    return model.objects.create(
        learner=learner,
        bksb_user_id=2100001,
        session_id=session,
        assessment_id=50000,
        course_subject="MATHS_NEW",
        assessment_name="Maths Initial Assessment",
        result=result,
        result_date=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC),
        subject="maths",
        level="entry_3",
        level_rank=4,
        first_seen_at=now,
        last_changed_at=now,
        **extra,
    )


@pytest.fixture
def two_learners():
    first, second = LearnerFactory(learner_ref="L000001"), LearnerFactory(learner_ref="L000002")
    _result(InitialAssessmentResult, first, 1)
    _result(DiagnosticAssessmentResult, first, 2, result='=HYPERLINK("http://evil")', percent_score=64.5)
    _result(InitialAssessmentResult, second, 3, result="@SUM(A1)")
    return first, second


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_formula_like_cells_get_a_leading_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", [" =1+1", "\n=2+2", "  \n @SUM(A1)", "\r\n-1", " \t1", "\n\r1", "\u00a0+1", "\t =1"])
def test_formula_characters_after_leading_spaces_or_newlines_get_a_leading_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


def test_a_formula_behind_a_newline_is_inert_in_the_downloaded_csv(client, tutor):
    learner = LearnerFactory(learner_ref="L000009")
    _result(InitialAssessmentResult, learner, 9, result='\n=HYPERLINK("http://evil")')
    client.force_login(tutor)

    response = client.get(reverse("bksb:export_learner", args=[learner.pk]))

    row = dict(zip(HEADER, _rows(b"".join(response.streaming_content).decode())[1], strict=True))
    assert row["result"] == '\'\n=HYPERLINK("http://evil")'


@pytest.mark.parametrize("cell", ["Maths Entry 3", "", 12, 64.5, None, " Level 1", "\nEntry 3", "1-2", " ", "a=b"])
def test_other_cells_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_download_csv_of_one_learner_streams_their_results_with_the_reference(client, tutor, two_learners):
    first, _ = two_learners
    client.force_login(tutor)

    response = client.get(reverse("bksb:export_learner", args=[first.pk]))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    assert "L000001" in response["Content-Disposition"]
    rows = _rows(b"".join(response.streaming_content).decode())
    assert rows[0] == HEADER
    assert [row[:2] for row in rows[1:]] == [["L000001", "initial"], ["L000001", "diagnostic"]]
    diagnostic = dict(zip(HEADER, rows[2], strict=True))
    assert diagnostic["result"] == '\'=HYPERLINK("http://evil")'
    assert diagnostic["percent_score"] == "64.5"
    assert diagnostic["level"] == "Entry 3"
    assert diagnostic["subject"] == "Maths"
    assert diagnostic["result_date"] == "2026-03-01T10:00:00+00:00"


def test_download_csv_of_everyone_from_the_tables_page(client, tutor, two_learners):
    client.force_login(tutor)
    page = client.get(reverse("bksb:tables")).content.decode()
    assert reverse("bksb:export_all") in page

    response = client.get(reverse("bksb:export_all"))

    rows = _rows(b"".join(response.streaming_content).decode())
    assert sorted(row[0] for row in rows[1:]) == ["L000001", "L000001", "L000002"]
    assert [row[8] for row in rows[1:] if row[0] == "L000002"] == ["'@SUM(A1)"]


def test_export_command_writes_csv_for_one_learner(two_learners):
    out = io.StringIO()
    call_command("bksb_export_results", "--learner", "L000002", stdout=out)
    rows = _rows(out.getvalue())
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == ["L000002"]


def test_export_command_writes_everyone_by_default(two_learners):
    out = io.StringIO()
    call_command("bksb_export_results", stdout=out)
    assert len(_rows(out.getvalue())) == 4


def test_export_command_refuses_an_unknown_reference():
    with pytest.raises(CommandError, match="No learner with reference NOPE"):
        call_command("bksb_export_results", "--learner", "NOPE", stdout=io.StringIO())


def test_every_column_of_every_bksb_table_is_described():
    assert undescribed_columns() == []


def test_the_database_carries_the_same_descriptions_as_the_tables_page():
    """On PostgreSQL, psql and any reporting tool read the page's words from the tables' comments."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no comments")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')"
            " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped",
            [[table.name for table in tables_documentation()]],
        )
        stored = {(table, column): (described, table_words) for table, column, described, table_words in cursor}
    for table in tables_documentation():
        for column in table.columns:
            described, table_words = stored[(table.name, column.name)]
            assert table_words == table.description
            if column.description != ROW_ID:
                assert described == column.description, f"{table.name}.{column.name}"


def test_docs_page_matches_the_models():
    assert DOC.read_text() == tables_markdown(), (
        "docs/bksb-tables.md is out of date: python -m bksb_integration.results.tables_doc > docs/bksb-tables.md"
    )


def test_tables_page_lists_every_table_and_column(client, tutor):
    client.force_login(tutor)
    page = client.get(reverse("bksb:tables")).content.decode()
    for table in (
        "bksb_initial_assessment_result",
        "bksb_diagnostic_assessment_result",
        "bksb_link",
        "bksb_run",
        "bksb_run_learner",
        "bksb_level_mapping",
        "bksb_subject_mapping",
    ):
        assert f'id="{table}"' in page
    assert "<code>percent_score</code>" in page
    assert "<code>learners_learner.id</code>" in page
