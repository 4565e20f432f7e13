"""The shared budget under mixed priorities: a person waiting goes first, the watch list before the nightly run,
and the total never exceeds the limit, whatever the priorities (Redis, and the embedded default's file)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis

from bksb_integration.api.errors import BksbBudgetBusy
from bksb_integration.api.types import Priority
from bksb_integration.sync.budget import FREE_AHEAD, CountingThrottle, FileTokenBucket, RedisTokenBucket

RATE = 20.0
NIGHTLY_THREADS = 40  # first come first served, a newcomer would wait behind 40 requests: 2 s each
PERSON_REQUESTS = 10
# How late a busy machine may wake a thread whose token is due (seconds): slack for timing grants by wake-up.
JITTER = 0.5


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "file"])
def bucket(request, tmp_path: Path):
    if request.param == "file":
        yield FileTokenBucket(tmp_path / "bucket.json", rate=RATE)
        return
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    name = f"test-priority-{uuid.uuid4().hex}"
    yield RedisTokenBucket(client, rate=RATE, name=name)
    client.delete(f"{name}:bucket")


def _hammer(bucket, priority: Priority, stop: threading.Event, grants: list[tuple[float, Priority]]) -> None:
    """A worker thread of a long run: one request after another, as fast as the budget lets it."""
    while not stop.is_set():
        bucket.acquire(priority)
        grants.append((time.monotonic(), priority))


def _within_the_limit(times: list[float]) -> bool:
    """No more requests than the rate allows, with the bucket's burst: over the whole run, and in any two
    seconds (with a few requests of slack there, since a grant is timed when its thread wakes, and a busy
    machine wakes threads late and together)."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 2.0:
            start += 1
        most = max(most, end - start + 1)
    return len(times) <= RATE * (times[-1] - times[0] + JITTER) + 2 and most <= RATE * (2 + JITTER) + 2


def _run_with(bucket, crowd: dict[Priority, int], seconds: float, during=None):
    stop, grants = threading.Event(), []
    threads = [
        threading.Thread(target=_hammer, args=(bucket, priority, stop, grants), daemon=True)
        for priority, count in crowd.items()
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)  # the run is at the limit, its threads queued on the budget
    answer = during() if during else None
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    return grants, answer


def test_a_person_waiting_goes_first_and_the_total_never_exceeds_the_limit(bucket):
    def person() -> tuple[list[float], float, float]:
        waits, started = [], time.monotonic()
        for _ in range(PERSON_REQUESTS):
            asked = time.monotonic()
            bucket.acquire(Priority.PERSON)
            waits.append(time.monotonic() - asked)
        return waits, started, time.monotonic()

    grants, (waits, started, ended) = _run_with(bucket, {Priority.NIGHTLY: NIGHTLY_THREADS}, 1.5, person)
    grants.extend((started + sum(waits[: i + 1]), Priority.PERSON) for i in range(len(waits)))

    # The person's first request waits behind at most FREE_AHEAD of the run's (plus wake-up jitter), not behind
    # all 40 of them (2 s).
    assert waits[0] < FREE_AHEAD + 0.5
    # Then the run gives way: the person's ten take about the budget's time for ten, not 10 x 2 s.
    assert ended - started < PERSON_REQUESTS / RATE + FREE_AHEAD + 1.5
    # Whatever the priorities, never more than the rate (and the bucket's small burst).
    assert _within_the_limit([at for at, _ in grants])
    # And the run was at the limit all along: the budget was used, not left idle by the priorities.
    assert len(grants) >= RATE * 2.0 * 0.8


def test_each_priority_queues_behind_only_what_is_ahead_of_it(bucket):
    """Step by step, with no threads: the order the bucket serves, and every token a slot of its own."""
    token = 1 / RATE
    nightly = []  # each reserved request's slot: when it may be sent
    while (wait := bucket.take(Priority.NIGHTLY)) >= 0:
        nightly.append(time.monotonic() + wait)
    # The run reserves ahead only up to FREE_AHEAD of the budget's time, then is turned away.
    assert max(nightly) - time.monotonic() <= FREE_AHEAD + token + 0.01
    assert len(nightly) >= FREE_AHEAD * RATE
    assert wait < 0

    person = bucket.take(Priority.PERSON)
    person_slot = time.monotonic() + person
    # The person reserves at once, behind those few, not behind everything the run would have queued.
    assert 0 <= person <= FREE_AHEAD + 2 * token
    # While the person is using the budget, nothing lower reserves, not even the watch list.
    assert bucket.take(Priority.WATCH) < 0
    assert bucket.take(Priority.NIGHTLY) < 0
    assert bucket.take(Priority.BACKFILL) < 0
    # The person's next request comes straight after its first: priority never spends a token twice.
    after = bucket.take(Priority.PERSON)
    after_slot = time.monotonic() + after
    assert 0 < after_slot - person_slot < 1.5 * token + 0.03  # nobody's slot between the two
    # Every request reserved has a slot of its own, at least a token's time apart: never more than the rate.
    slots = sorted([*nightly, person_slot, after_slot])
    # Once the burst is spent (and the first slot, partly refilled while asking), every slot is a token on from
    # the last. Each is read as "when asked + the wait", so a busy machine's slow answer blurs one slot: the
    # slots' spread, not one gap, is what holds the rate.
    queued = slots[int(bucket.burst) + 1 :]
    assert (queued[-1] - queued[0]) / (len(queued) - 1) >= token * 0.85  # a slot used twice would halve it


def test_the_watch_list_is_served_before_the_nightly_run(bucket):
    grants, _ = _run_with(bucket, {Priority.WATCH: 10, Priority.NIGHTLY: 10}, 2.5)

    late = [p for at, p in grants if at > min(at for at, _ in grants) + 1.0]  # once both queue on the budget
    assert late.count(Priority.WATCH) > 3 * late.count(Priority.NIGHTLY)
    assert _within_the_limit([at for at, _ in grants])


def test_a_lower_priority_alone_has_the_whole_budget(bucket):
    grants, _ = _run_with(bucket, {Priority.BACKFILL: 10}, 2.0)

    assert len(grants) >= RATE * 2.5 * 0.8
    assert _within_the_limit([at for at, _ in grants])


def test_the_run_window_learns_whom_it_gives_way_to(bucket):
    bucket.acquire(Priority.NIGHTLY)
    bucket.acquire(Priority.PERSON)

    asked = bucket.asked()

    assert set(asked) == {Priority.NIGHTLY, Priority.PERSON}
    assert all(0 <= ago < 1 for ago in asked.values())


def test_a_page_is_told_at_once_rather_than_kept_waiting_through_a_pause(bucket):
    bucket.penalise(30)  # bksb answered 429 with Retry-After: 30
    slept: list[float] = []
    page = CountingThrottle(bucket, priority=Priority.PERSON, longest_wait=5.0, sleep=slept.append)

    with pytest.raises(BksbBudgetBusy, match="bksb's request limit is taken for the next"):
        page.acquire()

    assert slept == []
    assert page.count == 0
