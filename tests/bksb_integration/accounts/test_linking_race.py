"""Two records linked to the same bksb user at the same moment: one gets it, the other is told who holds it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from bksb_integration.accounts import linking
from bksb_integration.accounts.linking import LinkError, link_apply
from bksb_integration.models import BksbLink
from learners.models import Learner
from tests.factories import LearnerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class SameUser:
    """bksb answering every name with the same user id."""

    def get_user_id(self, username: str) -> int:
        return 777


def test_two_records_linking_one_bksb_user_at_once_get_it_once(monkeypatch):
    first, second = LearnerFactory(last_name="First"), LearnerFactory(last_name="Second")
    checked = threading.Barrier(2, timeout=5)
    held_refuse = linking.held_refuse

    def slow_check(**kwargs):
        held_refuse(**kwargs)
        try:  # both checks pass before either link is saved, unless the lock keeps them apart
            checked.wait()
        except threading.BrokenBarrierError:
            time.sleep(0)

    monkeypatch.setattr(linking, "held_refuse", slow_check)

    def link(pk: int) -> str:
        try:
            learner = Learner.objects.get(pk=pk)
            return link_apply(learner=learner, bksb_user=True, username="shared.name", client=SameUser()).message
        except LinkError as exc:
            return str(exc)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        messages = list(pool.map(link, [first.pk, second.pk]))

    assert sum("Linked to bksb user" in message for message in messages) == 1
    assert sum("is already linked to" in message for message in messages) == 1
    assert BksbLink.objects.filter(bksb_user_id=777, learner__bksb_user=True).count() == 1
