"""Job totals moved from a JSON dict to numbers (jobs 0004): every job's totals are kept, both ways."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("jobs", "0003_work_sweep_schedule")]
AFTER = [("jobs", "0004_job_totals_as_numbers")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_the_totals_of_jobs_run_before_the_change_are_kept_as_numbers_and_back():
    old = _migrate(BEFORE)
    job = old.get_model("jobs", "Job").objects.create(
        kind="learner_import", result={"rows": 1200, "created": 1199, "through_line": 1201, "note": "text"}
    )
    old.get_model("jobs", "Job").objects.create(kind="bksb_match")  # no totals at all

    new = _migrate(AFTER)
    totals = dict(new.get_model("jobs", "JobTotal").objects.filter(job_id=job.pk).values_list("name", "value"))
    assert totals == {"rows": 1200, "created": 1199, "through_line": 1201}
    assert new.get_model("jobs", "JobTotal").objects.count() == 3

    back = _migrate(BEFORE)
    assert back.get_model("jobs", "Job").objects.get(pk=job.pk).result == totals
    _migrate(AFTER)
