"""Helpers shared by the benchmarks (not used by the product)."""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent


def production_env(database: str, *, eager: bool = False) -> None:
    """Production settings for a benchmark and the workers it starts, before Django is set up.

    DEBUG off (no query log kept per connection), keys made for this run only, this benchmark's
    PostgreSQL database and Redis db 9 (unless DATABASE_URL / REDIS_URL say otherwise) as the
    broker; with `eager`, jobs run in the benchmark's own process.
    """
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")
    os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("BKSB_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    if eager:
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "True"


def sandbox_start(
    *,
    key: str,
    secret: str,
    users: int,
    latency_ms: float,
    rate_limit: float,
    script: str = "",
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """The bksb sandbox in a process of its own, answering with these keys: (the process, its url)."""
    port = free_port()
    program = [str(ROOT / script)] if script else ["-m", "bksb_sandbox"]
    command = [sys.executable, *program, "--port", str(port), "--users", str(users), "--quiet"]
    command += ["--latency-ms", str(latency_ms), "--jitter-ms", "0", "--rate-limit", str(rate_limit)]
    keys = {"BKSB_SANDBOX_ACCESS_KEY_ID": key, "BKSB_SANDBOX_SECRET_ACCESS_KEY": secret}
    process = subprocess.Popen(
        command, cwd=ROOT, env=os.environ | keys | (env or {}), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url + "_sandbox/stats")
    return process, url


def worker_start(*options: str, app: str = "bksbmis") -> subprocess.Popen[bytes]:
    """A Celery worker of `app` with these options, quiet, inheriting the benchmark's settings."""
    command = [str(ROOT / ".venv/bin/celery"), "-A", app, "worker", *options, "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def database_ensure(url: str) -> None:
    """Create the benchmark's PostgreSQL database if it does not exist."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def peak_rss_mb(pid: int) -> float:
    """The process's resident-memory high-water mark (VmHWM), in MB."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def peak_rss_tree_mb(pid: int) -> float:
    """The largest VmHWM among a process and its children (prefork pools fork children)."""
    peaks = [peak_rss_mb(pid)]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            peaks += [peak_rss_mb(int(child)) for child in handle.read().split()]
    except FileNotFoundError:
        pass
    return max(peaks)


def cpu_seconds_tree(pid: int) -> float:
    """User + system CPU time of a process and its children so far (every thread counted)."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            pids += [int(child) for child in handle.read().split()]
    except FileNotFoundError:
        pass
    total = 0
    for one in pids:
        try:
            with open(f"/proc/{one}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def learners_ensure(count: int) -> None:
    """BENCH000001.. linked to the sandbox's demo.learnerNNNN users, in bulk."""
    from learners.models import Learner
    from learners.search_text import search_text_refresh

    have = Learner.objects.filter(learner_ref__startswith="BENCH").count()
    if have >= count:
        Learner.objects.filter(learner_ref__startswith="BENCH").exclude(
            learner_ref__in=[f"BENCH{n:06d}" for n in range(1, count + 1)]
        ).delete()
        return
    rows = [
        Learner(
            learner_ref=f"BENCH{n:06d}",
            first_name="Bench",
            last_name=f"Learner{n}",
            bksb_user=True,
            bksb_username=f"demo.learner{n:04d}",
        )
        for n in range(have + 1, count + 1)
    ]
    Learner.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    search_text_refresh()


def results_forget() -> None:
    """Start from nothing: no results, links or runs (so the first run reads everything)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE bksb_initial_assessment_result, bksb_diagnostic_assessment_result, "
            "bksb_run_learner, bksb_run, bksb_link, "
            "bksb_assessment_session, bksb_skill_result, bksb_watch_entry CASCADE"
        )


def integration_point_at(url: str, key: str, secret: str, requests_per_second: float) -> None:
    """Switch the integration on against a benchmark's sandbox (Django must be set up)."""
    from bksb_integration.models import BksbSettings

    settings = BksbSettings.load()
    settings.integration_enabled, settings.api_url, settings.access_key_id = True, url, key
    settings.secret_access_key = secret
    settings.requests_per_second = requests_per_second
    settings.save()


def timed(label: str, work: Callable[[], object]) -> None:
    """Run work, saying what it is and how long it took."""
    started = time.perf_counter()
    print(f"{label}...", flush=True)
    work()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def page_timing(client, path: str, params: dict[str, str], repeat: int, **headers: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """A page asked `repeat` times: median and worst milliseconds, and the queries of the last asking."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path, params, **headers)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), max(times), len(queries.captured_queries)
