"""The log: a refusal is one line, not a traceback, and each record is printed once."""

from __future__ import annotations

import logging
import sys

import pytest
from django.urls import reverse


def _console() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))


def _printed(record: logging.LogRecord) -> str:
    handler = _console()
    return handler.format(record) if handler.filter(record) else ""


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /x/", (), info)
    record.status_code = status
    return record


def test_a_refusal_is_printed_as_one_line():
    assert _printed(_record(403)).endswith("WARNING django.request Forbidden: /x/")


def test_a_server_error_keeps_its_traceback():
    assert "Traceback (most recent call last)" in _printed(_record(500))


@pytest.mark.django_db
def test_django_records_reach_the_console_once(client, outsider, caplog):
    client.force_login(outsider)
    assert client.get(reverse("learners:list")).status_code == 403
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == [
        "Forbidden (Permission denied): /learners/"
    ]
    assert logging.getLogger("django").handlers == []  # only the root's console prints it
