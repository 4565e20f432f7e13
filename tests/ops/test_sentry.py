"""Errors reach Sentry with personal data scrubbed: the SDK's own options, and before_send."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from ops.sentry import FILTERED, scrub_event, sentry_options

EMAIL = "amira.khan@example.ac.uk"
SECRET = "s3cr3t-access-key-value"


class Captured(Transport):
    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            if item.type == "event":
                self.events.append(json.loads(item.payload.get_bytes()))


@pytest.fixture
def sentry():
    transport = Captured()
    sentry_sdk.init(**sentry_options(dsn="https://key@sentry.example.test/1", environment="test"), transport=transport)
    yield transport
    sentry_sdk.init()  # no DSN: reporting off again


def _event() -> dict[str, Any]:
    """An event as the Django integration builds it for a request."""
    return {
        "message": f"no bksb user for {EMAIL}",
        "logentry": {"message": f"invite to {EMAIL} failed", "params": [EMAIL]},
        "request": {
            "url": "https://mis.example.ac.uk/learners/7/",
            "method": "POST",
            "query_string": "q=Khan",
            "cookies": {"sessionid": "abc"},
            "data": {"secret_access_key": SECRET},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
            "headers": {
                "Cookie": "sessionid=abc",
                "Authorization": "Basic eHl6",
                "User-Agent": "Firefox",
                "X-Forwarded-For": "203.0.113.9",
            },
        },
        "user": {"id": 5, "email": EMAIL, "username": "akhan", "ip_address": "203.0.113.9"},
        "extra": {"learner": {"first_name": "Amira"}},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"{EMAIL} taken",
                    "stacktrace": {"frames": [{"vars": {"secret": SECRET}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": f"emailing {EMAIL}", "data": {"to": EMAIL}}]},
    }


def test_before_send_scrubs_personal_data_and_secrets():
    event = scrub_event(_event(), {})
    dumped = json.dumps(event)
    assert EMAIL not in dumped
    assert SECRET not in dumped
    assert "Khan" not in dumped
    assert "Amira" not in dumped
    assert "akhan" not in dumped
    assert "203.0.113.9" not in dumped
    assert event["user"] == {"id": 5}
    assert event["request"]["headers"] == {"User-Agent": "Firefox"}
    assert event["request"]["url"] == "https://mis.example.ac.uk/learners/7/"
    assert event["exception"]["values"][0]["value"] == f"{FILTERED} taken"
    assert "vars" not in event["exception"]["values"][0]["stacktrace"]["frames"][0]


def test_an_error_reaches_sentry_scrubbed(sentry):
    with sentry_sdk.new_scope() as scope:
        scope.set_user({"id": 9, "email": EMAIL})
        scope.set_extra("learner", {"last_name": "Khan"})
        secret = SECRET  # noqa: F841  (a local variable the report must not carry)
        try:
            raise RuntimeError(f"createUser refused for {EMAIL}")
        except RuntimeError:
            sentry_sdk.capture_exception()
    sentry_sdk.flush()
    assert len(sentry.events) == 1
    dumped = json.dumps(sentry.events[0])
    assert "createUser refused for [Filtered]" in dumped
    assert EMAIL not in dumped
    assert SECRET not in dumped
    assert "extra" not in sentry.events[0]  # where a learner's record would travel
    assert sentry.events[0]["user"] == {"id": 9}


def test_the_sdk_sends_no_personal_data_of_its_own_accord():
    options = sentry_options(dsn="https://key@sentry.example.test/1", environment="test")
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["max_request_body_size"] == "never"
    assert options["before_send"] is scrub_event
