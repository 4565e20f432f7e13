"""Level and subject mapping: the rules, the Mapper, re-mapping stored results, and the screens."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bksb_integration.config.mapping import (
    Mapper,
    level_for,
    results_remap,
    subject_for,
    unmapped_result_texts,
    unmapped_subject_codes,
)
from bksb_integration.levels.learner_results import SubjectSummary, subject_summary
from bksb_integration.levels.queries import levels_for
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import (
    BksbLink,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    LevelMapping,
    SubjectMapping,
)

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 10, 5, 10, 21, tzinfo=dt.UTC)


def _result(learner, text, code="MATHS_NEW", model=InitialAssessmentResult, n=[0], **extra):  # noqa: B006
    n[0] += 1
    now = timezone.now()
    return model.objects.create(
        learner=learner,
        bksb_user_id=1,
        session_id=n[0],
        assessment_id=50000,
        course_subject=code,
        result=text,
        result_date=WHEN,
        first_seen_at=now,
        last_changed_at=now,
        **extra,
    )


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Maths Entry 3", "entry_3"),
        ("English Level 1", "level_1"),
        ("ICT Below Entry 3", "entry_2"),
        ("Pre-Entry", "pre_entry"),
        ("Mathematics Below Entry 1", "pre_entry"),
        ("  maths   ENTRY 3 ", "entry_3"),
        ("Maths-Entry 3", "entry_3"),
    ],
)
def test_seeded_rows_map_uk_wording(text, level):
    assert level_for(text, LevelMapping.objects.all())[0] == level


@pytest.mark.parametrize("text", ["Maths ACSF L1", "Reentry 3", "Level 11", "", "Entry 3 and more"])
def test_unknown_wording_is_unmapped(text):
    assert level_for(text, LevelMapping.objects.all()) is None


def test_an_exact_row_beats_ends_with_rows():
    rows = [
        LevelMapping(text="Entry 3", match="ends_with", level="entry_3"),
        LevelMapping(text="maths entry 3", match="exact", level="level_1"),
    ]
    assert level_for("Maths  Entry 3", rows) == ("level_1", 5)
    assert level_for("English Entry 3", rows) == ("entry_3", 4)


def test_the_longest_ends_with_row_wins():
    rows = [
        LevelMapping(text="L1", match="ends_with", level="level_1"),
        LevelMapping(text="Below L1", match="ends_with", level="entry_3"),
    ]
    assert level_for("Maths ACSF Below L1", rows)[0] == "entry_3"
    assert level_for("Maths ACSF L1", rows)[0] == "level_1"


def test_subject_codes_map_ignoring_case_and_spaces():
    rows = SubjectMapping.objects.all()
    assert subject_for("MATHS_NEW", rows) == "maths"
    assert subject_for(" oz_eng ", rows) == "english"
    assert subject_for("ZZZ", rows) is None


def test_esol_new_is_the_esol_subject():
    assert subject_for("ESOL_NEW", SubjectMapping.objects.all()) == "esol"
    assert SubjectMapping.objects.get(course_subject="ESOL_NEW").get_subject_display() == "ESOL"


def test_esol_results_stored_before_the_mapping_get_the_subject(learner):
    SubjectMapping.objects.filter(course_subject="ESOL_NEW").delete()
    stored = _result(learner, "ESOL Entry 2", code="ESOL_NEW", model=DiagnosticAssessmentResult)
    other = _result(learner, "Maths Entry 3", code="MATHS_NEW")
    importlib.import_module("bksb_integration.migrations.0011_esol_subject").forwards(django_apps, None)
    stored.refresh_from_db()
    other.refresh_from_db()
    assert (stored.subject, stored.get_subject_display()) == ("esol", "ESOL")
    assert other.subject is None  # only the ESOL code is touched


def test_the_tab_shows_esol_as_a_subject_not_a_code(client, tutor, learner):
    _result(learner, "ESOL Entry 2", code="ESOL_NEW", subject="esol")
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert "<td>ESOL</td>" in page
    assert "ESOL_NEW" not in page


def test_esol_gets_a_summary_row_only_for_learners_assessed_in_it(learner):
    def summary() -> list[SubjectSummary]:
        levels_refresh(learner_ids=[learner.pk], reason="test")
        return subject_summary(levels_for([learner.pk]).get(learner.pk, {}))

    BksbLink.objects.create(learner=learner, bksb_user_id=1)
    assert [row.label for row in summary()] == ["English", "Maths", "ICT/Digital"]
    _result(learner, "ESOL Entry 2", code="ESOL_NEW", subject="esol", level="entry_2", level_rank=3)
    rows = {row.label: row for row in summary()}
    assert list(rows) == ["English", "Maths", "ICT/Digital", "ESOL"]
    assert rows["ESOL"].latest is not None


def test_mapper_loads_both_tables_with_one_query_each_then_maps_without_queries():
    with CaptureQueriesContext(connection) as queries:
        mapper = Mapper.load()
        for _ in range(1000):
            mapper.level("English Entry 2")
            mapper.subject("ENG_NEW")
    assert len(queries) == 2


def test_mapper_apply_sets_level_rank_and_subject(learner):
    result = InitialAssessmentResult(result="Maths Level 2", course_subject="MATHS_NEW")
    assert Mapper.load().apply(result) is True
    assert (result.level, result.level_rank, result.subject) == ("level_2", 6, "maths")
    assert Mapper.load().apply(result) is False


def test_remap_applies_a_new_row_to_stored_results_and_clears_removed_ones(learner):
    unknown = _result(learner, "Maths ACSF L1", code="OZ_NEWCODE")
    known = _result(learner, "English Entry 3", code="ENG_NEW", model=DiagnosticAssessmentResult)
    results_remap()
    known.refresh_from_db()
    assert (known.level, known.level_rank, known.subject) == ("entry_3", 4, "english")

    LevelMapping.objects.create(text="ACSF L1", match="ends_with", level="level_1")
    SubjectMapping.objects.create(course_subject="OZ_NEWCODE", subject="maths")
    summary = results_remap()
    unknown.refresh_from_db()
    assert (unknown.level, unknown.level_rank, unknown.subject) == ("level_1", 5, "maths")
    assert summary.results_updated == 2

    LevelMapping.objects.filter(text="ACSF L1").delete()
    results_remap()
    unknown.refresh_from_db()
    assert unknown.level is None
    assert unknown.level_rank is None
    assert results_remap().results_updated == 0


def test_unmapped_lists_count_texts_and_codes_across_both_result_kinds(learner):
    _result(learner, "Maths ACSF L1", code="OZ_X")
    _result(learner, "Maths ACSF L1", code="OZ_X", model=DiagnosticAssessmentResult)
    _result(learner, "Odd text", code="OZ_X")
    _result(learner, "Maths Entry 1", level="entry_1", subject="maths")
    assert unmapped_result_texts() == [("Maths ACSF L1", 2), ("Odd text", 1)]
    assert unmapped_subject_codes() == [("OZ_X", 3)]


def test_admin_lists_adds_edits_and_deletes_level_rows(client, admin_user, learner):
    stored = _result(learner, "Maths ACSF L2")
    client.force_login(admin_user)
    page = client.get(reverse("bksb:levels"))
    assert "Maths ACSF L2" in page.text
    assert "Below Entry 3" in page.text

    response = client.post(reverse("bksb:levels"), {"text": "ACSF L2", "match": "ends_with", "level": "level_2"})
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.level == "level_2"
    row = LevelMapping.objects.get(text="ACSF L2")

    client.post(
        reverse("bksb:levels_edit", args=[row.pk]), {"text": "ACSF L2", "match": "ends_with", "level": "entry_3"}
    )
    stored.refresh_from_db()
    assert stored.level == "entry_3"

    client.post(reverse("bksb:levels_delete", args=[row.pk]))
    assert not LevelMapping.objects.filter(pk=row.pk).exists()
    stored.refresh_from_db()
    assert stored.level is None


def test_one_click_map_from_the_unmapped_list(client, admin_user, learner):
    stored = _result(learner, "Weird <b>Result</b>")
    client.force_login(admin_user)
    text = client.get(reverse("bksb:levels")).text
    assert "Weird &lt;b&gt;Result&lt;/b&gt;" in text
    client.post(reverse("bksb:levels"), {"text": "Weird <b>Result</b>", "match": "exact", "level": "entry_1"})
    stored.refresh_from_db()
    assert stored.level == "entry_1"
    assert "Every stored result is mapped." in client.get(reverse("bksb:levels")).text


def test_a_duplicate_level_row_is_refused_whatever_its_case(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("bksb:levels"), {"text": "entry 3", "match": "ends_with", "level": "entry_3"})
    assert response.status_code == 400
    assert "already exists" in response.text


def test_admin_adds_and_edits_subject_rows(client, admin_user, learner):
    stored = _result(learner, "Digital Entry 3", code="DIGI_NEW")
    client.force_login(admin_user)
    assert "DIGI_NEW" in client.get(reverse("bksb:subjects")).text
    client.post(reverse("bksb:subjects"), {"course_subject": "DIGI_NEW", "subject": "ict"})
    stored.refresh_from_db()
    assert stored.subject == "ict"
    row = SubjectMapping.objects.get(course_subject="DIGI_NEW")
    client.post(reverse("bksb:subjects_edit", args=[row.pk]), {"course_subject": "DIGI_NEW", "subject": "other"})
    stored.refresh_from_db()
    assert stored.subject == "other"
    response = client.post(reverse("bksb:subjects"), {"course_subject": "digi_new", "subject": "ict"})
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["bksb:levels_edit", "bksb:levels_delete"])
def test_tutor_cannot_change_level_rows(client, tutor, name):
    row = LevelMapping.objects.first()
    client.force_login(tutor)
    assert (
        client.post(reverse(name, args=[row.pk]), {"text": "x", "match": "exact", "level": "entry_1"}).status_code
        == 403
    )
    assert LevelMapping.objects.filter(pk=row.pk, text=row.text).exists()


def test_web_user_cannot_change_subject_rows(client, web_user):
    row = SubjectMapping.objects.first()
    client.force_login(web_user.user)
    assert client.post(reverse("bksb:subjects_delete", args=[row.pk])).status_code == 403
