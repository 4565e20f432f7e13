"""The learner list's CSV streams: rows leave as they are read, in batches, with a bounded number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learners import views
from learners.models import Learner

pytestmark = pytest.mark.django_db


def _learners(count: int, start: int = 0) -> None:
    Learner.objects.bulk_create(
        Learner(learner_ref=f"S{n:05d}", first_name="Stream", last_name=f"Row{n:05d}", email=f"s{n}@example.ac.uk")
        for n in range(start, start + count)
    )


def _download(client) -> tuple[list[list[str]], int, bool]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("learners:export"))
        body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body))), len(queries.captured_queries), response.streaming


def test_the_csv_streams_in_batches_with_queries_bounded_by_batches_not_rows(client, admin_user, monkeypatch):
    monkeypatch.setattr(views, "EXPORT_BATCH", 10)
    client.force_login(admin_user)
    _learners(10)
    rows, ten, streaming = _download(client)
    assert streaming
    assert len(rows) == 1 + 10

    _learners(5, start=10)  # a second batch, half full
    rows, fifteen, _ = _download(client)
    assert len(rows) == 1 + 15
    per_batch = fifteen - ten

    _learners(15, start=15)  # three batches
    rows, thirty, _ = _download(client)
    assert [row[0] for row in rows[1:]] == [f"S{n:05d}" for n in range(30)]  # the list's order, name order
    assert thirty == ten + 2 * per_batch
    assert per_batch < 10  # a batch's queries do not grow with its rows
