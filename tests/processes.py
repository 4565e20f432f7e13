"""Starting the product's own processes for a test: a Celery worker or beat, a Django shell."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def process_env(**overrides: str) -> dict[str, str]:
    """This test's environment for another process: the same database, Redis and shared-state prefix."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "OPS_STATE_PREFIX": settings.OPS_STATE_PREFIX,
        "VAR_DIR": str(settings.VAR_DIR),
        "PYTHONPATH": str(ROOT),
    }
    env.update(overrides)
    return env


def python_run(code: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=process_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def celery_start(*args: str, log: Path, **overrides: str) -> subprocess.Popen[bytes]:
    """`celery -A bksbmis <args>` with this test's environment (and `overrides`), its output into `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bksbmis", *args, "--loglevel=WARNING"],
            cwd=ROOT,
            env=process_env(**overrides),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def celery_stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")
