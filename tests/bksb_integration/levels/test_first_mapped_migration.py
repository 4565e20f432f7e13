"""bksb_integration 0026 on a database that already holds results and their summary: it migrates and fills the
new fields. (Its fill comes after the index: on a database whose summary rows the migration's own ALTERs had
rewritten, PostgreSQL refused to index the table the same transaction then updated, "pending trigger events";
seen on the benchmark's database, not reproduced here.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bksb_integration.models import InitialAssessmentResult
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bksb_integration", "0025_db_comments")]
AFTER = [("bksb_integration", "0026_first_mapped_initial")]
USER = 9001


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _result(learner, session_id: int, level: str, rank: int, day: int) -> None:
    InitialAssessmentResult.objects.create(
        learner=learner,
        bksb_user_id=USER,
        session_id=session_id,
        assessment_id=session_id * 10,
        course_subject="MATHS_NEW",
        result=level,
        result_date=dt.datetime(2026, 9, day, 10, tzinfo=dt.UTC),
        subject="maths",
        level=level,
        level_rank=rank,
        raw={},
        first_seen_at=dt.datetime(2026, 9, 22, tzinfo=dt.UTC),
        last_changed_at=dt.datetime(2026, 9, 22, tzinfo=dt.UTC),
    )


def test_0026_migrates_a_database_holding_summary_rows_and_fills_them():
    old = _migrate(BEFORE)
    learner = LearnerFactory(bksb_user=True)
    _result(learner, 1, "entry_2", 3, 7)
    _result(learner, 2, "level_1", 5, 21)
    old.get_model("bksb_integration", "LearnerLevel").objects.create(
        learner_id=learner.pk,
        subject="maths",
        bksb_user_id=USER,
        result_count=2,
        initial_count=2,
        latest_list="initial",
        latest_session_id=2,
        latest_assessment_id=20,
        computed_at=dt.datetime(2026, 9, 22, tzinfo=dt.UTC),
    )
    try:
        new = _migrate(AFTER)
        row = new.get_model("bksb_integration", "LearnerLevel").objects.get(learner_id=learner.pk)
        assert (row.initial_first_mapped_level, row.initial_first_mapped_rank) == ("entry_2", 3)
        assert (row.initial_first_mapped_session_id, row.initial_first_mapped_is_latest) == (1, False)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
