"""/metrics: scraped by Prometheus from inside, refused to anonymous outside callers, and counting
what every process did (a worker's bksb requests show in the web process's scrape)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from bksb_integration.config.connection import client_for
from bksb_integration.models import Run
from bksb_integration.sync.runs import bksb_results_start
from tests.fakes import URL
from tests.processes import python_run
from tests.support import configure, linked_learner

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-5f1c9e"


def _scrape(client, **headers) -> dict[str, list]:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {family.name: family.samples for family in text_string_to_metric_families(response.content.decode())}


def _value(samples, name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found)


@pytest.mark.parametrize("address", ["203.0.113.9", "2001:db8::7", "10.0.0.9"])
def test_an_anonymous_caller_from_outside_is_refused(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 403
    assert b"bksbmis_" not in response.content


def test_a_caller_through_a_proxy_is_refused_without_a_token(client):
    # Behind a proxy every caller seems to come from the proxy's internal address.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403
    assert b"set METRICS_TOKEN" in response.content


def test_with_a_token_only_the_bearer_of_it_may_scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1", **bearer).status_code
        == 200
    )


def test_allowed_networks_are_a_setting(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@pytest.mark.sandbox(switched_on=True)
def test_a_download_shows_in_requests_budget_runs_and_durations(client, sandbox, django_capture_on_commit_callbacks):
    learner = linked_learner("demo.learner0001")
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = bksb_results_start(learner=learner, started_by=AnonymousUser())
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED
    made = sum(sandbox.stats()["by_path"].values())

    families = _scrape(client)

    requests = families["bksbmis_bksb_requests"]
    assert _value(requests, "bksbmis_bksb_requests_total", outcome="ok") == made
    assert _value(requests, "bksbmis_bksb_requests_total", call="initialAssessment", outcome="ok") >= 1
    budget = families["bksbmis_budget_requests"]
    assert _value(budget, "bksbmis_budget_requests_total", priority="single") == made
    runs = families["bksbmis_runs"]
    assert _value(runs, "bksbmis_runs_total", kind="single", outcome="succeeded") == 1
    durations = families["bksbmis_run_duration_seconds"]
    assert _value(durations, "bksbmis_run_duration_seconds_count", kind="single") == 1
    assert _value(durations, "bksbmis_run_duration_seconds_bucket", kind="single", le="+Inf") == 1
    assert {"bksbmis_queue_depth", "bksbmis_runs_in_progress", "bksbmis_budget_wait_seconds"} <= set(families)


def test_429s_and_the_pauses_they_cause_are_counted(client, bksb_http):
    configure(URL)
    exists = URL + "api/users/isUsernameExists"
    bksb_http.get(exists, status=429, headers={"Retry-After": "7"})
    bksb_http.get(exists, body="false")
    bksb_client = client_for(sleep=lambda _: None)
    try:
        assert bksb_client.username_exists("someone") is False
    finally:
        bksb_client.close()

    families = _scrape(client)

    assert (
        _value(families["bksbmis_bksb_rate_limited"], "bksbmis_bksb_rate_limited_total", call="isUsernameExists") == 1
    )
    assert _value(families["bksbmis_budget_pauses"], "bksbmis_budget_pauses_total") == 1
    assert _value(families["bksbmis_budget_pause_seconds"], "bksbmis_budget_pause_seconds_total") == 7
    requests = families["bksbmis_bksb_requests"]
    assert _value(requests, "bksbmis_bksb_requests_total", call="isUsernameExists", outcome="429") == 1
    assert _value(requests, "bksbmis_bksb_requests_total", call="isUsernameExists", outcome="ok") == 1


def test_the_age_of_the_last_successful_nightly_run(client):
    now = timezone.now()
    finished = {
        "started_at": now - dt.timedelta(hours=3),
        "trigger": Run.Trigger.SCHEDULED,
        "kind": Run.Kind.GET_RESULTS,
    }
    Run.objects.create(status=Run.Status.SUCCEEDED, finished_at=now - dt.timedelta(hours=26), **finished)
    Run.objects.create(status=Run.Status.PARTIAL, finished_at=now - dt.timedelta(hours=2), **finished)
    Run.objects.create(status=Run.Status.STOPPED, finished_at=now - dt.timedelta(minutes=5), **finished)

    age = _value(
        _scrape(client)["bksbmis_nightly_last_success_age_seconds"], "bksbmis_nightly_last_success_age_seconds"
    )

    assert 2 * 3600 <= age < 2 * 3600 + 120


def test_counts_made_in_another_process_are_in_the_scrape(client):
    """Workers are other processes (other containers): what they count is shared, not per process."""
    code = (
        "from ops.metrics import BKSB_REQUESTS, counter_add\n"
        "for _ in range(3): counter_add(BKSB_REQUESTS, call='getUserId', outcome='404')"
    )
    done = python_run(code)
    assert done.returncode == 0, done.stderr
    requests = _scrape(client)["bksbmis_bksb_requests"]
    assert _value(requests, "bksbmis_bksb_requests_total", call="getUserId", outcome="404") == 3


def test_counts_wait_in_the_process_and_go_together(client, monkeypatch):
    """A bksb request's counts cost no round trip each: they are sent at most once a FLUSH_EVERY, and a scrape
    (or a task's end, or the process's end) sends what waits, so the scrape shows every one."""
    from ops import metrics
    from ops.metrics import BKSB_REQUESTS, counter_add

    metrics.counts_send()
    real = metrics.shared_state
    sent: list[int] = []

    def recording():
        state = real()
        for write in ("add", "add_all"):
            inner = getattr(state, write)
            monkeypatch.setattr(state, write, lambda *args, inner=inner: (sent.append(1), inner(*args)))
        return state

    monkeypatch.setattr(metrics, "shared_state", recording)
    for _ in range(50):
        counter_add(BKSB_REQUESTS, call="initialAssessment", outcome="ok")
    assert len(sent) <= 1  # the first may go at once, if a second has passed since the last send

    requests = _scrape(client)["bksbmis_bksb_requests"]

    assert _value(requests, "bksbmis_bksb_requests_total", call="initialAssessment", outcome="ok") == 50
    assert len(sent) <= 2
