"""The command line: credentials from env, URL printed, clean stop on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_MODULES = ("django", "bksbmis", "learners", "bksb_integration", "permissions")


def test_cli_serves_with_env_credentials_and_stops_on_sigterm() -> None:
    env = {**os.environ, "BKSB_SANDBOX_ACCESS_KEY_ID": "cli-key", "BKSB_SANDBOX_SECRET_ACCESS_KEY": "cli-secret"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bksb_sandbox", "--port", "0", "--latency-ms", "0", "--quiet", "--users", "20"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "cli-secret" not in line
        url = re.search(r"http://\S+/", line).group(0)
        answer = requests.get(
            f"{url}api/users/user/getUserId",
            params={"username": "demo.learner0020"},
            auth=("cli-key", "cli-secret"),
            timeout=5,
        )
        assert answer.text == "2100020"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()
        proc.stdout.close()


def test_the_sandbox_imports_nothing_from_django_or_the_product() -> None:
    code = (
        "import sys, bksb_sandbox.server, bksb_sandbox.__main__;"
        f"print([m for m in sys.modules if m.split('.')[0] in {PRODUCT_MODULES!r}])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
