"""bksb calls made while a person waits finish well inside the web worker's 60 s timeout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bksb_integration.accounts.create_users import OUT_OF_TIME, TIME_BUDGET, bksb_users_bulk_create
from bksb_integration.api.client import BksbClient
from bksb_integration.config import connection
from bksb_integration.models import UserCreationRequest
from tests.factories import LearnerFactory
from tests.support import configure

pytestmark = pytest.mark.django_db

WORKER_TIMEOUT = 60.0


def _longest_call(client: BksbClient) -> float:
    """One call's worst case: every attempt times out, with the longest backoff between them."""
    return client.timeout * (1 + client.max_retries) + client.backoff_cap * client.max_retries


def test_every_page_that_calls_bksb_gives_up_within_seconds(client, bksb, clients_made, staff_with):
    configure()
    learner = LearnerFactory(bksb_user=True, bksb_username="akhan1")
    bksb.users["akhan1"] = 77
    rights = ("bksb_module", "view_learners", "create_bksb_user", "edit_bksb_link")
    client.force_login(staff_with(*rights))
    client.post(reverse("bksb:link", args=[learner.pk]), {"bksb_user": "on", "bksb_username": "akhan1"})
    client.post(reverse("bksb:invite", args=[learner.pk]), {"with_auto_login_link": "on"})
    fresh = LearnerFactory()
    client.post(reverse("bksb:create_user", args=[fresh.pk]), {"username": "fresh1", "email": "f@example.ac.uk"})
    client.post(reverse("bksb:bulk_create"), {"learner": [LearnerFactory().pk]})

    assert len(clients_made) == 4
    for made in clients_made:
        assert _longest_call(made) <= 15
    # A bulk record begun just before its time is up: a name check, then createUser (never retried).
    bulk = clients_made[-1]
    assert TIME_BUDGET + _longest_call(bulk) + bulk.timeout < WORKER_TIMEOUT


def test_bulk_create_stops_sending_when_its_time_is_up_and_leaves_the_rest_untouched(bksb):
    settings = configure()
    first, second, third = (LearnerFactory(last_name=name) for name in ("Adams", "Baker", "Clarke"))
    ticks = iter([0.0, 1.0, 21.0, 22.0])

    lines = bksb_users_bulk_create(
        learner_ids=[first.pk, second.pk, third.pk],
        requested_by=None,
        client=_client(settings),
        settings=settings,
        clock=lambda: next(ticks),
    )

    assert [line.learner for line in lines] == [first, second, third]
    assert [line.label for line in lines] == ["Created", *["Not sent (time limit; submit them again)"] * 2]
    assert lines[1].result == OUT_OF_TIME
    assert len(bksb.creates) == 1
    assert list(UserCreationRequest.objects.values_list("learner", flat=True)) == [first.pk]


def test_bulk_create_in_time_sends_every_record(bksb):
    settings = configure()
    learners = [LearnerFactory() for _ in range(3)]
    lines = bksb_users_bulk_create(
        learner_ids=[learner.pk for learner in learners], requested_by=None, client=_client(settings), settings=settings
    )
    assert {line.label for line in lines} == {"Created"}
    assert len(bksb.creates) == 3


def _client(settings) -> BksbClient:
    return connection.client_for(settings, sleep=lambda _: None)
