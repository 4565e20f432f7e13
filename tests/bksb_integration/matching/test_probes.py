"""Probing candidate usernames: one getUserId each, on the shared budget, remembered for a day (answers only)."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
import requests
from django.utils import timezone

from bksb_integration.api.errors import BksbAuthError
from bksb_integration.config.connection import client_for
from bksb_integration.matching.probes import probe_ask, probes_prune, usernames_probe
from bksb_integration.models import UsernameProbe
from tests.fakes import GET_ID, RecordingThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(integration):
    throttle = RecordingThrottle()
    client = client_for(throttle=throttle, max_retries=0, sleep=lambda _: None)
    probe = functools.partial(probe_ask, client)
    probe.throttle = throttle  # type: ignore[attr-defined]
    yield probe
    client.close()


def test_found_and_not_found_answers_are_kept_and_not_asked_again(bksb, ask):
    bksb.users["amira.khan"] = 71

    first = usernames_probe(usernames=["amira.khan", "nobody.here", "amira.khan"], ask=ask)
    second = usernames_probe(usernames=["amira.khan", "nobody.here"], ask=ask)

    assert bksb.calls == ["getUserId", "getUserId"]
    assert ask.throttle.acquired == 2
    assert first["amira.khan"].bksb_user_id == 71
    assert not first["nobody.here"].found
    assert second["amira.khan"].cached
    assert second["amira.khan"].bksb_user_id == 71
    assert second["nobody.here"].cached
    assert not second["nobody.here"].found


def test_an_answer_older_than_a_day_is_asked_again(bksb, ask):
    bksb.users["amira.khan"] = 71
    UsernameProbe.objects.create(
        username="amira.khan", bksb_user_id=None, probed_at=timezone.now() - dt.timedelta(hours=25)
    )

    answers = usernames_probe(usernames=["amira.khan"], ask=ask)

    assert answers["amira.khan"].bksb_user_id == 71
    assert UsernameProbe.objects.get(username="amira.khan").bksb_user_id == 71


def test_errors_and_timeouts_are_not_remembered_as_not_found(bksb_http, ask):
    bksb_http.add(bksb_http.GET, GET_ID, body=requests.Timeout("read timed out"))
    bksb_http.add(bksb_http.GET, GET_ID, status=503, body="Service Unavailable")

    answers = usernames_probe(usernames=["slow.one", "down.one"], ask=ask)

    assert answers["slow.one"].error
    assert answers["down.one"].error
    assert not UsernameProbe.objects.exists()


def test_a_refused_key_stops_the_probing(bksb_http, ask):
    bksb_http.add(bksb_http.GET, GET_ID, status=401, body="Unauthorized")

    with pytest.raises(BksbAuthError):
        usernames_probe(usernames=["any.one"], ask=ask)
    assert not UsernameProbe.objects.exists()


def test_old_answers_are_pruned():
    now = timezone.now()
    UsernameProbe.objects.create(username="old", probed_at=now - dt.timedelta(days=2))
    UsernameProbe.objects.create(username="new", probed_at=now)

    assert probes_prune(now=now) == 1
    assert list(UsernameProbe.objects.values_list("username", flat=True)) == ["new"]
