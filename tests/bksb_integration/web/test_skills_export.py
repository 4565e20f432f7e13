"""The sessions/skills CSV export (web and command) and the BKSB Tables page's new tables."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from bksb_integration.results.skills_export import HEADER
from tests.bksb_integration.web.test_sessions_views import _session, _skill
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_command_exports_each_component_and_each_session_with_none(capsys):
    learner = LearnerFactory(learner_ref="L000010")
    done = _session(learner, 11)
    _skill(done, "Reading", "Entry 3", "entry_3", 4)
    _skill(done, "=HYPERLINK(1)", "Level 1", "level_1", 5)
    _session(learner, 12, subject="MATHS_NEW", finished=False, days_ago=0)
    other = _session(LearnerFactory(learner_ref="L000020"), 21)
    _skill(other, "Spelling", "Entry 2", "entry_2", 3)

    call_command("bksb_export_results", "--skills", "--learner", "L000010")

    text = capsys.readouterr().out
    assert text.splitlines()[0] == ",".join(HEADER)
    rows = _rows(text)
    assert [(r["session_id"], r["component_name"], r["level"]) for r in rows] == [
        ("12", "", ""),
        ("11", "Reading", "Entry 3"),
        ("11", "'=HYPERLINK(1)", "Level 1"),  # a formula made inert
    ]
    assert rows[0]["completed_at"] == ""
    assert rows[1]["assessment_type"] == "Initial assessment"
    assert rows[1]["subject"] == "English"


def test_the_skills_csv_is_downloaded_from_the_tab_and_bksb_tables(client, tutor):
    learner = LearnerFactory(learner_ref="L000010")
    _skill(_session(learner, 11), "Reading", "Entry 3", "entry_3", 4)
    client.force_login(tutor)

    tab = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    one = client.get(reverse("bksb:export_learner_skills", args=[learner.pk]))
    every = client.get(reverse("bksb:export_all_skills"))

    assert "Download skills CSV" in tab
    assert 'filename="bksb-skills-L000010-' in one["Content-Disposition"]
    assert [r["component_name"] for r in _rows(b"".join(one.streaming_content).decode())] == ["Reading"]
    assert len(_rows(b"".join(every.streaming_content).decode())) == 1


def test_bksb_tables_documents_sessions_skills_and_the_watch_list(client, tutor):
    client.force_login(tutor)

    page = client.get(reverse("bksb:tables")).content.decode()

    for table in ("bksb_assessment_session", "bksb_skill_result", "bksb_watch_entry"):
        assert table in page
    assert "becomes finished in place" in page
