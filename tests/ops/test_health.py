"""/health/live and /health/ready: ready fails, naming which, when the database, the broker,
every worker, beat or bksb stops answering."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time

import pytest
import time_machine

from ops.health import health_report
from ops.heartbeat import (
    BEAT_EVERY,
    BEAT_STALE_AFTER,
    HEARTBEAT_TASK,
    WORKER_STALE_AFTER,
    heartbeat_stamp,
    heartbeats_read,
)
from tests.processes import celery_start, celery_stop, python_run, wait_until
from tests.support import configure

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def everything_answers(db):
    configure()
    heartbeat_stamp("worker:w1@host")
    heartbeat_stamp("beat")


def _ready(client) -> tuple[int, dict]:
    response = client.get("/health/ready")
    assert response["Cache-Control"] == "no-store"
    return response.status_code, response.json()


def test_live_answers_whatever_the_host_name_and_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/live", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_everything_answers(client, everything_answers):
    status, body = _ready(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "worker", "beat", "bksb"}
    assert body["checks"]["worker"] == {"ok": True, "detail": f"1 answered in the last {WORKER_STALE_AFTER:.0f} s"}


def test_ready_fails_naming_the_broker_when_it_does_not_answer(client, everything_answers, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    status, body = _ready(client)
    assert status == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["detail"] == "the broker does not answer (ConnectionError)"


def test_ready_fails_naming_the_workers_once_none_has_answered_for_45_seconds(client, everything_answers):
    with time_machine.travel(time.time() + WORKER_STALE_AFTER - 5, tick=False):
        heartbeat_stamp("beat")
        assert _ready(client)[0] == 200
    with time_machine.travel(time.time() + WORKER_STALE_AFTER + 5, tick=False):
        heartbeat_stamp("beat")
        status, body = _ready(client)
    assert status == 503
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"]["detail"] == f"no worker has answered for {WORKER_STALE_AFTER + 5:.0f} s"


def test_ready_fails_naming_beat_once_it_has_not_ticked_for_a_minute(client, everything_answers):
    with time_machine.travel(time.time() + BEAT_STALE_AFTER + 1, tick=False):
        heartbeat_stamp("worker:w1@host")
        status, body = _ready(client)
    assert status == 503
    assert body["failing"] == ["beat"]


def test_ready_fails_naming_bksb_when_it_is_switched_on_without_keys(client, everything_answers):
    configure(access_key_id="")
    status, body = _ready(client)
    assert body["failing"] == ["bksb"]
    assert "Enter the BKSB API url, Access Key ID and Secret Access Key first" in body["checks"]["bksb"]["detail"]
    assert status == 503


def test_bksb_switched_off_does_not_keep_a_fresh_installation_from_being_ready(client, everything_answers):
    configure(enabled=False)
    assert _ready(client)[0] == 200


def test_ready_fails_naming_the_database_when_it_does_not_answer(settings):
    # Another process, as a web server would be, whose database has stopped: the port is closed.
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    code = (
        "from ops.heartbeat import heartbeat_stamp\n"
        "heartbeat_stamp('worker:w1@host'); heartbeat_stamp('beat')\n"
        "from django.test import Client\n"
        "response = Client().get('/health/ready')\n"
        "print(response.status_code); print(response.content.decode())"
    )
    started = time.monotonic()
    done = python_run(code, DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/bksbmis")
    assert done.returncode == 0, done.stderr
    status, body = done.stdout.strip().split("\n", 1)
    report = json.loads(body)
    assert status == "503"
    assert report["failing"][0] == "database"
    assert report["checks"]["database"]["detail"] == "the database does not answer (OperationalError)"
    assert {"broker", "worker", "beat"}.isdisjoint(report["failing"])
    assert "127.0.0.1" not in body  # no address or port for an anonymous caller
    assert time.monotonic() - started < 60


def test_a_real_worker_and_beat_keep_ready_until_they_stop(settings, everything_answers, tmp_path):
    """A worker process stamps from its timer, beat when it has sent the heartbeat task, and the
    worker stamps again when it runs it; once both stop, ready fails within the minute."""
    broker = {"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": str(tmp_path)}  # this test's own queue
    worker = celery_start(
        "worker",
        "--pool=threads",
        "--concurrency=1",
        "--hostname=health-test@%h",
        log=tmp_path / "worker.log",
        **broker,
    )
    beat = celery_start(
        "beat",
        "-S",
        "celery.beat:PersistentScheduler",
        "-s",
        str(tmp_path / "beat-schedule"),
        log=tmp_path / "beat.log",
        **broker,
    )
    try:
        before = heartbeats_read()
        wait_until(
            lambda: any(who.startswith("worker:health-test@") for who in heartbeats_read()), timeout=60, what="a worker"
        )
        wait_until(lambda: heartbeats_read().get("beat", 0) > before["beat"], timeout=60, what="beat")
        wait_until(lambda: "queue" in heartbeats_read(), timeout=60, what="the worker to run the heartbeat task")
        report = health_report()
        assert report["worker"].ok
        assert report["beat"].ok
    finally:
        celery_stop(worker)
        celery_stop(beat)
    stopped_at = time.time()
    with time_machine.travel(dt.datetime.fromtimestamp(stopped_at + 61, tz=dt.UTC), tick=False):
        report = health_report()
    assert not report["worker"].ok
    assert not report["beat"].ok


def test_beat_sends_the_heartbeat_as_often_as_ready_expects(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ops: heartbeat"]
    assert entry["task"] == HEARTBEAT_TASK
    assert entry["schedule"] == BEAT_EVERY
    assert BEAT_EVERY * 3 <= BEAT_STALE_AFTER  # a slow tick or two is not a dead beat
