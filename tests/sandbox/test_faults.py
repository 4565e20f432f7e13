"""Knobs: rate limit, errors, hangs, garbage, latency; stats and control endpoints."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bksb_sandbox.server import SandboxServer
from tests.fakes import KEY, SECRET, api


def exists(bksb: requests.Session) -> requests.Response:
    return api(bksb, "users/isUsernameExists", username="demo.learner0001")


def test_over_the_rate_limit_answers_429_with_retry_after(sandbox: SandboxServer, bksb: requests.Session) -> None:
    sandbox.set_config(rate_limit=5)
    responses = [exists(bksb) for _ in range(20)]
    throttled = [r for r in responses if r.status_code == 429]
    assert 5 <= len(responses) - len(throttled) <= 12
    assert throttled[0].headers["Retry-After"] == "1"
    assert sandbox.stats()["throttled_429"] == len(throttled)
    time.sleep(1.0)
    assert exists(bksb).status_code == 200


def test_error_rate_answers_some_calls_503(sandbox: SandboxServer, bksb: requests.Session) -> None:
    sandbox.set_config(error_rate=0.5)
    statuses = [exists(bksb).status_code for _ in range(40)]
    assert set(statuses) == {200, 503}
    assert sandbox.stats()["server_errors_5xx"] == statuses.count(503)
    sandbox.set_config(error_rate=1.0)
    assert exists(bksb).status_code == 503


def test_garbage_answers_nonsense_with_200(sandbox: SandboxServer, bksb: requests.Session) -> None:
    sandbox.set_config(garbage=True)
    response = exists(bksb)
    assert (response.status_code, response.text) == (200, "<html>oops</html>")


def test_a_hang_makes_the_client_time_out_and_stop_is_still_prompt(
    sandbox: SandboxServer, bksb: requests.Session
) -> None:
    sandbox.set_config(hang_ms=5_000)
    with pytest.raises(requests.exceptions.ReadTimeout):
        bksb.get(f"{sandbox.url}api/users/isUsernameExists", params={"username": "x"}, timeout=0.3)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 2


def test_stats_count_paths_statuses_concurrency_and_reused_connections(
    sandbox: SandboxServer, bksb: requests.Session
) -> None:
    sandbox.set_config(latency_ms=150)

    def call(_: int) -> int:
        with requests.Session() as s:
            s.auth = (KEY, SECRET)
            s.base_url = sandbox.url
            return exists(s).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(call, range(8))) == {200}
    sandbox.set_config(latency_ms=0)
    for _ in range(10):
        api(bksb, "users/user/getUserId", username="no.such")
    stats = bksb.get(f"{sandbox.url}_sandbox/stats", timeout=5).json()
    assert stats["requests"] == 18
    assert stats["by_path"] == {"isUsernameExists": 8, "getUserId": 10}
    assert stats["by_status"] == {"200": 8, "404": 10}
    assert stats["max_concurrency"] >= 4
    assert stats["in_flight"] == 0
    assert stats["connections_opened"] == 9  # one per thread, one pooled for ten calls
    bksb.post(f"{sandbox.url}_sandbox/reset-stats", timeout=5)
    assert sandbox.stats()["requests"] == 0


def test_latency_slows_every_api_call(sandbox: SandboxServer, bksb: requests.Session) -> None:
    sandbox.config.latency_ms = 100
    started = time.monotonic()
    exists(bksb)
    assert time.monotonic() - started >= 0.1


def test_config_endpoint_changes_knobs_and_refuses_bad_ones(sandbox: SandboxServer, bksb: requests.Session) -> None:
    url = f"{sandbox.url}_sandbox/config"
    changed = bksb.post(url, json={"page_cap": 7, "not_found_status": 200}, timeout=5)
    assert changed.json()["page_cap"] == 7
    assert changed.json()["secret_access_key"] == "***"
    assert sandbox.config.not_found_status == 200
    assert bksb.post(url, json={"page_cap": 0}, timeout=5).status_code == 400
    assert bksb.post(url, json={"users": 5}, timeout=5).status_code == 400
    assert sandbox.config.page_cap == 7
