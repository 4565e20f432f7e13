"""bksb calls made while a person waits finish well inside the web worker's 60 s timeout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bksb_integration.api.client import BksbClient
from bksb_integration.config import connection
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
    assert len(clients_made) == 3
    # Creating bksb users for ticked records only queues a job: no bksb call while the person waits.
    client.post(reverse("bksb:users_create"), {"learner": [LearnerFactory().pk], "start": "1"})

    assert len(clients_made) == 3
    for made in clients_made:
        assert _longest_call(made) <= 15
        assert _longest_call(made) + made.timeout < WORKER_TIMEOUT


def _client(settings) -> BksbClient:
    return connection.client_for(settings, sleep=lambda _: None)
