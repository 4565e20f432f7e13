"""A worker started the plain way (`celery -A bksbmis worker`) gets the pool Get Results needs."""

from __future__ import annotations

from bksbmis.celery import app


def test_a_plain_worker_runs_many_threads_from_the_project_configuration():
    assert app.conf.worker_pool == "threads"
    assert app.conf.worker_concurrency == 12
    assert app.conf.worker_prefetch_multiplier == 1


def test_the_tasks_keep_the_names_stored_beat_schedules_use():
    registered = set(app.tasks)
    assert {
        "bksb_integration.tasks.bulk_run_scheduled",
        "bksb_integration.tasks.runs_sweep",
        "bksb_integration.tasks.runs_prune",
        "bksb_integration.tasks.run_learners_download",
    } <= registered
