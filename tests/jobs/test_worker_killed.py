"""A worker killed in the middle of a job: a fresh worker and the sweeper finish it, nobody clicks, nothing twice.

Real parts only: `celery -A bksbmis worker` processes against this test's PostgreSQL
database and Redis, the bksb sandbox over a socket, SIGKILL. The workers presume a
silent worker dead after WORK_STALE_AFTER_SECONDS (3 here, 120 in production); the
test sends the sweep task as beat does every minute.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import current_app
from django.db import connection

from bksb_integration.creation.users_job import bksb_users_create_start
from bksb_integration.models import BksbLink, UserCreationRequest
from bksb_sandbox.server import SandboxServer
from jobs.models import Job, JobItem
from jobs.queue import WORK_SWEEP
from learners.import_files import staged_file_save
from learners.import_job import learner_import_start
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.processes import celery_start
from tests.support import row

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.sandbox(switched_on=True),
]

STALE_SECONDS = 3
WAIT_SECONDS = 120


@pytest.fixture
def on_workers(settings) -> Iterator[None]:
    """Jobs go to the broker (this test's Redis) for real workers, not run in the test's process.

    One such test at a time per broker (a lock file): under pytest-xdist another test's workers
    would take this test's messages, and each test empties the queue.
    """
    lock_path = Path(tempfile.gettempdir()) / f"bksbmis-workers-{quote(os.environ['REDIS_URL'], safe='')}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        # Celery reads Django's settings live unless a test wrote to its own conf, which would win.
        assert current_app.conf.task_always_eager is False, "another test left task_always_eager set on Celery's conf"
        current_app.control.purge()
        yield
        current_app.control.purge()


@pytest.fixture
def worker(settings, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Start `celery -A bksbmis worker` processes on this test's database; all are stopped at the end."""
    db = connection.settings_dict
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    database_url = f"postgres://{quote(str(db['USER']), safe='')}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "BKSB_ENCRYPTION_KEY": settings.BKSB_ENCRYPTION_KEY,  # reads the keys this test stored
        "BKSB_THROTTLE_NAME": settings.BKSB_THROTTLE_NAME,
        "WORK_STALE_AFTER_SECONDS": str(STALE_SECONDS),
        "LEARNERS_IMPORT_CHUNK_ROWS": "10",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        options = ["--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = celery_start("worker", *options, log=tmp_path / f"worker{len(started)}.log", **env)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _until(check: Callable[[], bool], what: str) -> None:
    """Wait for `check`; meanwhile the sweep runs every few seconds, as beat's does, so a job message the
    broker lost (or another process's worker took) is queued again, as it would be in production."""
    deadline = time.monotonic() + WAIT_SECONDS
    next_sweep = time.monotonic() + STALE_SECONDS * 2
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT_SECONDS} s for {what}")
        if time.monotonic() > next_sweep:
            current_app.send_task(WORK_SWEEP)
            next_sweep = time.monotonic() + STALE_SECONDS * 2
        time.sleep(0.05)


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _swept_until_finished(job: Job) -> Job:
    """Send the sweep task every second, as beat does every minute, until the job has ended."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"the job did not finish: {job.status} at {job.done}/{job.total} ({job.stage})")
        current_app.send_task(WORK_SWEEP)
        time.sleep(1)


def test_a_create_users_job_whose_worker_is_killed_finishes_without_anyone_and_creates_nobody_twice(
    sandbox: SandboxServer, on_workers, worker
):
    learners = [LearnerFactory() for _ in range(12)]
    # createUser answers slowly: the worker is killed after bksb made the 5th user, before it heard so.
    sandbox.set_config(create_user_answer_ms=2_000)
    job = bksb_users_create_start(learner_ids=[learner.pk for learner in learners], started_by=None)
    first = worker()
    _until(lambda: len(sandbox.created_users()) == 5, "5 bksb users created")
    _kill(first)
    sandbox.set_config(create_user_answer_ms=0)

    # What was reported: the job says running, one user exists in bksb but not on its record, the rest have none.
    job.refresh_from_db()
    assert (job.status, job.done) == (Job.Status.RUNNING, 4)
    in_flight = JobItem.objects.get(job=job, outcome=JobItem.RUNNING)
    lost = Learner.objects.get(pk=in_flight.subject_id)
    assert not lost.bksb_user
    assert UserCreationRequest.objects.get(learner=lost).status == UserCreationRequest.Status.SENDING

    worker()
    job = _swept_until_finished(job)

    assert (job.status, job.done, job.failed) == (Job.Status.SUCCEEDED, 12, 0)
    calls = sandbox.create_user_calls()
    assert len(calls) == 12
    assert set(calls.values()) == {1}  # no username was sent twice
    links = dict(BksbLink.objects.values_list("learner__bksb_username", "bksb_user_id"))
    assert links == {name: sandbox.user_id(name) for name in calls}  # every record linked to its own user
    in_flight.refresh_from_db()
    assert in_flight.ok
    assert "was created by the earlier attempt" in in_flight.message  # found by asking bksb, and said so


def test_an_import_whose_worker_is_killed_finishes_without_anyone_and_writes_each_row_once(on_workers, worker):
    # Enough rows that the import is still going when the test sees two chunks written, on a quiet machine too.
    rows = [row(f"L{n:06d}", first_name=f"First{n}") for n in range(1, 12001)]
    header = list(rows[0])
    text = ",".join(header) + "\n" + "".join(",".join(r[name] for name in header) + "\n" for r in rows)
    job = learner_import_start(token=staged_file_save(text), skip_invalid=False, started_by=None)
    first = worker()
    _until(lambda: Job.objects.get(pk=job.pk).done >= 20, "two chunks of 10 rows written")
    _kill(first)

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert 20 <= job.done < 12000
    assert Learner.objects.count() == job.done  # a chunk and its count commit together

    worker()
    job = _swept_until_finished(job)

    assert (job.status, job.done, job.failed) == (Job.Status.SUCCEEDED, 12000, 0)
    assert Learner.objects.count() == 12000
    assert (job.totals["created"], job.totals["updated"], job.totals["unchanged"]) == (12000, 0, 0)
    assert job.message.startswith("Imported 12,000 rows: 12,000 created, 0 updated, 0 unchanged")
