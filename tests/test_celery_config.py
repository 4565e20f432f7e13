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


def test_a_bksb_results_click_has_a_queue_of_its_own_that_every_deployment_consumes(monkeypatch):
    """A person's download never waits behind a long run's messages: its own queue, consumed by a plain
    worker (both queues are the configuration's) and by a worker of its own in the demo and in Docker."""
    from pathlib import Path

    from bksb_integration.sync import queue

    sent: list[dict] = []
    monkeypatch.setattr(
        type(app.signature(queue.RUN_LEARNER_DOWNLOAD)), "apply_async", lambda self, **kw: sent.append(kw)
    )
    queue.run_learner_download_queue(7)
    queue.run_learners_download_queue(1, [8, 9])

    assert [kw["queue"] for kw in sent] == [queue.STAFF_WAITING_QUEUE, queue.DEFAULT_QUEUE]
    assert {q.name for q in app.conf.task_queues} == {queue.DEFAULT_QUEUE, queue.STAFF_WAITING_QUEUE}
    root = Path(__file__).resolve().parents[1]
    assert f"-Q {queue.STAFF_WAITING_QUEUE}" in (root / "Procfile.demo").read_text()
    assert f'"-Q", "{queue.STAFF_WAITING_QUEUE}"' in (root / "docker-compose.yml").read_text()
