"""A download's chunk beats with the jobs engine's one heartbeat: claims, leases and the run move while it waits."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from bksb_integration.models import BksbLink, Run, RunLearner
from bksb_integration.sync.heartbeat import ChunkHeartbeat
from jobs import lease
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the heartbeat commits from its own thread

TOKEN = 4242


def _claimed_chunk(size: int, *, at: dt.datetime) -> tuple[Run, list[RunLearner]]:
    run = Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.RUNNING, heartbeat_at=at)
    parts = []
    for _ in range(size):
        learner = LearnerFactory(bksb_user=True)
        BksbLink.objects.create(learner=learner, download_lease_owner=TOKEN, download_lease_until=at)
        parts.append(
            RunLearner.objects.create(
                run=run, learner=learner, status=RunLearner.Status.RUNNING, claim_token=TOKEN, claimed_at=at
            )
        )
    return run, parts


def test_a_waiting_chunk_keeps_its_claims_leases_and_run_alive_until_each_learner_is_finished(monkeypatch):
    monkeypatch.setattr(lease, "HEARTBEAT_EVERY", dt.timedelta(seconds=0.1))
    claimed = timezone.now()
    run, (done, waiting) = _claimed_chunk(2, at=claimed)
    heartbeat = ChunkHeartbeat(run=run, token=TOKEN, parts=[done, waiting])

    with heartbeat:
        heartbeat.finished(done)
        time.sleep(0.5)  # a Retry-After, the budget's queue: no progress written meanwhile

    def claim(part: RunLearner) -> dt.datetime | None:
        return RunLearner.objects.get(pk=part.pk).claimed_at

    def lease_until(part: RunLearner) -> dt.datetime | None:
        return BksbLink.objects.get(learner_id=part.learner_id).download_lease_until

    assert claim(waiting) > claimed
    assert lease_until(waiting) > claimed + lease.STALE_AFTER
    assert Run.objects.get(pk=run.pk).heartbeat_at > claimed
    assert claim(done) == claimed  # finished: no longer renewed
    assert lease_until(done) == claimed
    after = claim(waiting)
    time.sleep(0.3)
    assert claim(waiting) == after  # the beating ended with the chunk


def test_the_heartbeat_stops_once_another_worker_holds_the_claims(monkeypatch):
    monkeypatch.setattr(lease, "HEARTBEAT_EVERY", dt.timedelta(seconds=0.1))
    claimed = timezone.now()
    run, parts = _claimed_chunk(1, at=claimed)
    RunLearner.objects.filter(pk=parts[0].pk).update(claim_token=TOKEN + 1)  # the sweeper gave it to another
    heartbeat = ChunkHeartbeat(run=run, token=TOKEN, parts=parts)

    assert heartbeat.beat() == 0
    assert RunLearner.objects.get(pk=parts[0].pk).claimed_at == claimed
