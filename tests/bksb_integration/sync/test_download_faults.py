"""Faults during a download: the stored results stay intact, staff are told in plain words,
the last-download time does not move, and trying again later completes without duplicates."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.utils import timezone

from bksb_integration.api.client import BksbClient
from bksb_integration.models import BksbLink, InitialAssessmentResult, Run, RunLearner
from bksb_integration.sync.download import run_learner_download
from bksb_integration.sync.runs import bksb_results_start
from tests.support import MULTI_PAGE_USER, configure, last_download, linked_learner, remote_counts, stored

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.sandbox(page_cap=10, switched_on=True, fast_clients=True, client_timeout=0.3),
]

TRANSIENT = "bksb did not answer in time or is busy right now; nothing was changed. Try again later."


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _wrong_keys(server):
    configure(server.url, secret="not-the-secret")


def _disabled(server):
    configure(server.url, enabled=False)


def _down(server):
    configure(_closed_port_url())


def _error_storm(server):
    server.set_config(error_rate=1.0)


def _slow(server):
    server.set_config(hang_ms=1500)


def _rate_limited(server):
    server.set_config(rate_limit=0.001)
    server.reset_stats()  # one request allowed, then 429 with Retry-After


def _nonsense(server):
    server.set_config(garbage=True)


FAULTS = [
    pytest.param(_wrong_keys, "bksb refused the key (HTTP 401)", id="wrong-keys"),
    pytest.param(_disabled, "The bksb integration is not enabled", id="integration-disabled"),
    pytest.param(_down, TRANSIENT, id="connection-refused"),
    pytest.param(_error_storm, TRANSIENT, id="503-storm"),
    pytest.param(_slow, TRANSIENT, id="timeouts"),
    pytest.param(_rate_limited, TRANSIENT, id="429"),
    pytest.param(_nonsense, "bksb answered something unexpected; nothing was changed.", id="garbage"),
]


@pytest.fixture
def downloaded(sandbox):
    """A learner whose results were downloaded once, and one more result waiting in bksb."""
    learner = linked_learner(MULTI_PAGE_USER)
    assert _run(learner).status == Run.Status.SUCCEEDED
    sandbox.add_results(MULTI_PAGE_USER, kind="initial", count=1)
    return learner


def _run(learner) -> Run:
    run, started = bksb_results_start(learner=learner, started_by=None, queue=False)
    assert started
    run_learner_download(run_learner_id=RunLearner.objects.get(run=run).pk)
    run.refresh_from_db()
    return run


def _heal(server):
    server.set_config(error_rate=0.0, hang_ms=0, rate_limit=0.0, garbage=False)
    server.reset_stats()
    configure(server.url)


@pytest.mark.parametrize(("fault", "message"), FAULTS)
def test_a_fault_keeps_results_and_time_and_says_what_happened(sandbox, downloaded, fault, message):
    before, since = stored(downloaded), last_download(downloaded)

    fault(sandbox)
    run = _run(downloaded)

    assert run.status == Run.Status.FAILED
    assert message in run.message
    link = BksbLink.objects.get(learner=downloaded)
    assert link.last_outcome == "failed"
    assert message in link.last_message
    assert "not-the-secret" not in run.message + link.last_message
    assert stored(downloaded) == before
    assert last_download(downloaded) == since

    _heal(sandbox)
    again = _run(downloaded)
    assert again.status == Run.Status.SUCCEEDED
    assert again.results_created == 1
    assert (
        InitialAssessmentResult.objects.filter(learner=downloaded).count()
        == (remote_counts(sandbox, MULTI_PAGE_USER)["initial"])
    )
    assert last_download(downloaded) > since


class WorkerKilled(BaseException):
    """Stands for the process dying: nothing after it runs."""


def test_a_worker_killed_mid_download_loses_nothing_and_the_download_is_done_again(sandbox, downloaded, monkeypatch):
    before, since = stored(downloaded), last_download(downloaded)
    pages = BksbClient.diagnostic_assessment_pages

    def die_while_paging(self, *args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(BksbClient, "diagnostic_assessment_pages", die_while_paging)
    run, _ = bksb_results_start(learner=downloaded, started_by=None, queue=False)
    part = RunLearner.objects.get(run=run)
    with pytest.raises(WorkerKilled):
        run_learner_download(run_learner_id=part.pk)

    part.refresh_from_db()
    assert part.status == RunLearner.Status.RUNNING
    assert stored(downloaded) == before
    assert last_download(downloaded) == since

    # Too soon: the part still looks alive, so nobody takes it over.
    monkeypatch.setattr(BksbClient, "diagnostic_assessment_pages", pages)
    assert run_learner_download(run_learner_id=part.pk) == "not-claimed"
    # Once its claim and lease are stale, the redelivered task finishes the job.
    RunLearner.objects.filter(pk=part.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=5))
    BksbLink.objects.filter(learner=downloaded).update(download_lease_until=timezone.now() - dt.timedelta(minutes=3))
    assert run_learner_download(run_learner_id=part.pk) == "succeeded"

    part.refresh_from_db()
    run.refresh_from_db()
    assert (part.attempts, part.results_created) == (2, 1)
    assert run.status == Run.Status.SUCCEEDED
    assert (
        InitialAssessmentResult.objects.filter(learner=downloaded).count()
        == (remote_counts(sandbox, MULTI_PAGE_USER)["initial"])
    )


def test_after_a_killed_worker_a_new_click_starts_a_fresh_download(sandbox, downloaded):
    dead, _ = bksb_results_start(learner=downloaded, started_by=None, queue=False)
    stale = timezone.now() - dt.timedelta(minutes=5)
    RunLearner.objects.filter(run=dead).update(status=RunLearner.Status.RUNNING, claimed_at=stale)
    BksbLink.objects.filter(learner=downloaded).update(
        download_lease_until=stale, download_lease_owner=RunLearner.objects.get(run=dead).pk
    )

    fresh = _run(downloaded)

    assert fresh.pk != dead.pk
    assert fresh.status == Run.Status.SUCCEEDED
    assert fresh.results_created == 1
