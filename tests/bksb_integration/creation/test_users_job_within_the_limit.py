"""Create bksb users against a bksb limited to 4 requests a second: every request on the shared budget, a
createUser refused with 429 sent again after bksb's Retry-After, and every user created once. (A 120-record
job there used to create nobody: createUser was never retried, and the job's client had no budget.)

The 500-record figure is `make bench-create` (benchmarks/create_users.py); here 40 records keep the test short.
"""

from __future__ import annotations

import time

import pytest

from bksb_integration.creation.users_job import bksb_users_create_start
from bksb_integration.models import BksbSettings, UserCreationRequest
from jobs.models import Job
from tests.factories import LearnerFactory
from tests.support import configure

RECORDS = 40
LIMIT = 4.0

pytestmark = pytest.mark.django_db


@pytest.mark.redis
@pytest.mark.sandbox(rate_limit=LIMIT)
def test_a_job_against_a_bksb_limited_to_4_a_second_creates_every_user_once(
    sandbox, django_capture_on_commit_callbacks
):
    # The budget is set to bksb's limit; matching asks one name a record (its email) to keep the test short.
    configure(sandbox.url, requests_per_second=LIMIT, match_builtins=["email"])
    ids = [LearnerFactory().pk for _ in range(RECORDS)]
    sandbox.reset_stats()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = bksb_users_create_start(learner_ids=ids, started_by=None)
    elapsed = time.monotonic() - started

    job.refresh_from_db()
    made = sandbox.created_users()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert len(made) == RECORDS
    assert len({user["Username"] for user in made}) == RECORDS
    assert UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED).count() == RECORDS
    stats = sandbox.stats()
    # Three requests a record (the email asked about, the name checked, createUser), within the budget: any 429
    # bksb gave (its bucket and ours tick on different clocks) was waited out and sent again.
    asked = stats["requests"] - stats.get("throttled_429", 0)
    assert asked == 3 * RECORDS
    assert asked / elapsed <= LIMIT * 1.1
    assert BksbSettings.load().requests_per_second == LIMIT


@pytest.mark.redis
@pytest.mark.sandbox(rate_limit=LIMIT)
def test_when_the_budget_is_set_above_bksbs_limit_429s_are_waited_out_and_nobody_is_created_twice(
    sandbox, django_capture_on_commit_callbacks
):
    configure(sandbox.url, requests_per_second=3 * LIMIT, match_builtins=["email"])
    ids = [LearnerFactory().pk for _ in range(RECORDS // 2)]

    with django_capture_on_commit_callbacks(execute=True):
        job = bksb_users_create_start(learner_ids=ids, started_by=None)

    job.refresh_from_db()
    made = sandbox.created_users()
    assert sandbox.stats()["throttled_429"] > 0  # bksb did refuse some: they were sent again
    assert len(made) == len({user["Username"] for user in made}) == RECORDS // 2
    assert job.status == Job.Status.SUCCEEDED, job.message
