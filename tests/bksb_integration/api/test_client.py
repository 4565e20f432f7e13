"""The bksb client against a fake bksb (responses): the exact requests it sends,
how it reads answers, and how it fails, retries and keeps secrets."""

from __future__ import annotations

import base64
import json
import logging
import pickle
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests
import responses

from bksb_integration.api import client as client_module
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import (
    BksbAuthError,
    BksbError,
    BksbMalformedAnswer,
    BksbNotFound,
    BksbPermanentError,
    BksbRedirected,
    BksbRefused,
    BksbTransientError,
    BksbUserNotFound,
)
from bksb_integration.api.types import BKSB_TIME_ZONE, NewBksbUser, parse_bksb_datetime
from tests.fakes import RecordingThrottle

BASE = "https://bksb.test/"
KEY_ID = "AKID-123"
SECRET = "s3cret/Key+with=chars"
BASIC = "Basic " + base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
HOSTILE = "o'brien test&x=1+ü/#"
INITIAL = f"{BASE}api/results/initialAssessment/77/all"
DIAGNOSTIC = f"{BASE}api/results/diagnosticAssessment/77/all"
USER_ID = f"{BASE}api/users/user/getUserId"
EXISTS = f"{BASE}api/users/isUsernameExists"
CREATE = f"{BASE}api/users/createUser"
PASSWORD = "pw-12345"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def throttle() -> RecordingThrottle:
    return RecordingThrottle()


@pytest.fixture
def bksb_client(sleeps: list[float], throttle: RecordingThrottle) -> Iterator[BksbClient]:
    made = BksbClient(
        base_url=BASE.rstrip("/"),
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        throttle=throttle,
        sleep=sleeps.append,
    )
    yield made
    made.close()


def result(session_id: int, when: str, **extra: Any) -> dict[str, Any]:
    return {
        "SessionId": session_id,
        "CourseSubject": "MATHS_NEW",
        "CourseName": "Maths Functional Skills",
        "ResultDate": when,
        "AssessmentName": "Maths Initial Assessment",
        "AssessmentID": 50000,
        "Result": "Maths Entry 3",
        **extra,
    }


def page_body(results: list[dict[str, Any]], total: int, per_page: int = 100, key: str = "Initial") -> dict[str, Any]:
    return {
        f"{key}AssessmentResults": results,
        "Pagination": {"CurrentPage": 1, "TotalRecords": total, "RecordsPerPage": per_page},
    }


def asked_pages(bksb_http: responses.RequestsMock) -> list[str]:
    return [parse_qs(urlsplit(call.request.url or "").query)["page"][0] for call in bksb_http.calls]


# Requests as sent


def test_sends_basic_auth_and_json_accept_to_the_contract_url(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    bksb_http.get(EXISTS, body="true")

    assert bksb_client.username_exists("jo.bloggs") is True

    sent = bksb_http.calls[0].request
    assert sent.url == f"{EXISTS}?username=jo.bloggs"
    assert sent.headers["Authorization"] == BASIC
    assert sent.headers["Accept"] == "application/json"


def test_encodes_hostile_usernames_fully_in_the_query(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    bksb_http.get(USER_ID, body="2148453")

    bksb_client.get_user_id(HOSTILE)

    url = bksb_http.calls[0].request.url or ""
    assert url == f"{USER_ID}?username=o%27brien%20test%26x%3D1%2B%C3%BC%2F%23"
    assert parse_qs(urlsplit(url).query) == {"username": [HOSTILE]}


@pytest.mark.parametrize("auto_enrol", [True, False])
def test_creates_a_user_with_the_contract_form_fields(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, auto_enrol: bool
) -> None:
    bksb_http.post(CREATE, json={"UserId": 2148453, "Username": HOSTILE, "Extra": 1})
    user = NewBksbUser(
        username=HOSTILE,
        firstname="Zoë",
        lastname="O'Brien",
        password="pa&ss=word",
        email="zoe@example.org",
        date_of_birth=date(2001, 2, 3),
        auto_enrol_courses=auto_enrol,
    )

    created = bksb_client.create_user(user)

    assert (created.user_id, created.username, created.raw["Extra"]) == (2148453, HOSTILE, 1)
    sent = bksb_http.calls[0].request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(str(sent.body)) == [
        ("Username", HOSTILE),
        ("Firstname", "Zoë"),
        ("Lastname", "O'Brien"),
        ("Password", "pa&ss=word"),
        ("Email", "zoe@example.org"),
        ("DateOfBirth[Year]", "2001"),
        ("DateOfBirth[Month]", "2"),
        ("DateOfBirth[Day]", "3"),
        ("DateOfBirth[Hour]", "0"),
        ("DateOfBirth[Minute]", "0"),
        ("DateOfBirth[Second]", "0"),
        ("DateOfBirth[Millisecond]", "0"),
        ("AutoEnrolCourses", "true" if auto_enrol else "false"),
    ]
    assert "pa&ss=word" not in repr(user)


# Users


@pytest.mark.parametrize(("body", "expected"), [("true", True), ("false", False), ("True", True), ('"False"', False)])
def test_reads_username_exists_in_any_spelling(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, body: str, expected: bool
) -> None:
    bksb_http.get(EXISTS, body=body)

    assert bksb_client.username_exists("x") is expected


@pytest.mark.parametrize("body", ["2148453", " 2148453\r\n", '"2148453"'])
def test_reads_a_user_id_bare_or_quoted(bksb_http: responses.RequestsMock, bksb_client: BksbClient, body: str) -> None:
    bksb_http.get(USER_ID, body=body)

    assert bksb_client.get_user_id("jo") == 2148453


@pytest.mark.parametrize("status", [200, 404])
@pytest.mark.parametrize("quoted", [False, True])
def test_recognises_user_not_found_text_whatever_the_status_or_quoting(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, status: int, quoted: bool
) -> None:
    text = f"A user with username '{HOSTILE}' not found."
    bksb_http.get(USER_ID, body=f'"{text}"' if quoted else text, status=status)

    with pytest.raises(BksbUserNotFound) as caught:
        bksb_client.get_user_id(HOSTILE)

    assert caught.value.username == HOSTILE
    assert (caught.value.call, caught.value.status) == ("getUserId", status)
    assert len(bksb_http.calls) == 1


def test_other_404_from_get_user_id_is_plain_not_found(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    bksb_http.get(USER_ID, body="Not Found", status=404)

    with pytest.raises(BksbNotFound) as caught:
        bksb_client.get_user_id("jo")

    assert not isinstance(caught.value, BksbUserNotFound)


def test_refused_create_user_carries_bksb_text_and_is_not_retried(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    bksb_http.post(CREATE, body="Username already exists. Password was hunter22", status=400)

    with pytest.raises(BksbRefused) as caught:
        bksb_client.create_user(_new_user(password="hunter22"))

    assert isinstance(caught.value, BksbPermanentError)
    assert "Username already exists" in str(caught.value)
    assert "hunter22" not in str(caught.value)
    assert "hunter22" not in caught.value.detail
    assert (len(bksb_http.calls), sleeps) == (1, [])


@pytest.mark.parametrize(
    "failure", [{"body": requests.exceptions.ReadTimeout()}, {"body": requests.exceptions.ConnectionError()}]
)
def test_create_user_is_never_retried_after_a_lost_answer(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float], failure: dict[str, Any]
) -> None:
    bksb_http.post(CREATE, **failure)

    with pytest.raises(BksbTransientError):
        bksb_client.create_user(_new_user())

    assert (len(bksb_http.calls), sleeps) == (1, [])


@pytest.mark.parametrize("status", [429, 503])
def test_create_user_refused_before_bksb_acted_is_sent_again_after_the_wait_it_asks_for(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float], status: int
) -> None:
    bksb_http.post(CREATE, status=status, headers={"Retry-After": "2"})

    with pytest.raises(BksbTransientError):
        bksb_client.create_user(_new_user())

    assert len(bksb_http.calls) == 1 + bksb_client.max_retries
    assert len(sleeps) == bksb_client.max_retries
    assert min(sleeps) >= 2


def test_gets_an_auto_login_link_with_aware_expiry(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    bksb_http.get(
        f"{BASE}api/users/user/2148453/getAutoLoginLink",
        json={"Link": "https://bksb.test/sso?t=abc", "Expiry": "2026-11-22T15:04:05"},
    )

    link = bksb_client.get_auto_login_link(2148453)

    assert link.link == "https://bksb.test/sso?t=abc"
    assert link.expiry == datetime(2026, 11, 22, 15, 4, 5, tzinfo=UTC)
    assert "t=abc" not in repr(link)


def test_auto_login_link_that_is_not_http_is_malformed(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    bksb_http.get(
        f"{BASE}api/users/user/1/getAutoLoginLink",
        json={"Link": "javascript:alert(1)", "Expiry": "2026-11-22T15:04:05"},
    )

    with pytest.raises(BksbMalformedAnswer):
        bksb_client.get_auto_login_link(1)


# Results and paging


def test_reads_every_page_of_initial_results(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    for page, session in ((1, 3), (2, 2), (3, 1)):
        query = {"page": str(page), "recordsPerPage": "100"}
        body = page_body([result(session, f"2026-10-0{session}T10:00:00")], total=250)
        bksb_http.get(INITIAL, json=body, match=[responses.matchers.query_param_matcher(query)])

    pages = list(bksb_client.initial_assessment_pages(77))

    assert [p.page for p in pages] == [1, 2, 3]
    assert [p.results[0].session_id for p in pages] == [3, 2, 1]
    assert {(p.kind, p.total_pages, p.total_records) for p in pages} == {("initial", 3, 250)}


def test_trusts_the_answers_page_size_over_the_one_asked(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    bksb_http.get(INITIAL, json=page_body([result(1, "2026-10-01T10:00:00")], total=250, per_page=100))

    pages = list(bksb_client.initial_assessment_pages(77, records_per_page=500))

    assert asked_pages(bksb_http) == ["1", "2", "3"]
    assert pages[0].records_per_page == 100


def test_stops_paging_after_a_page_with_results_older_than_stop_before(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    newer = page_body([result(5, "2026-10-05T10:00:00")], total=300)
    mixed = page_body([result(4, "2026-10-04T10:00:00"), result(3, "2026-09-01T10:00:00")], total=300)
    bksb_http.get(INITIAL, json=newer)
    bksb_http.get(INITIAL, json=mixed)

    since = datetime(2026, 10, 1, tzinfo=UTC)
    pages = list(bksb_client.initial_assessment_pages(77, stop_before=since))

    assert asked_pages(bksb_http) == ["1", "2"]
    assert [r.session_id for r in pages[1].results] == [4, 3]


def test_stops_paging_at_an_empty_page(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    bksb_http.get(INITIAL, json=page_body([result(2, "2026-10-01T10:00:00")], total=500))
    bksb_http.get(INITIAL, json=page_body([], total=500))

    pages = list(bksb_client.initial_assessment_pages(77))

    assert asked_pages(bksb_http) == ["1", "2"]
    assert pages[1].results == []


def test_caps_an_absurd_page_count(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 4)
    bksb_http.get(INITIAL, json=page_body([result(1, "2026-10-01T10:00:00")], total=10**15, per_page=1))

    pages = list(bksb_client.initial_assessment_pages(77))

    assert len(pages) == 4
    assert pages[0].total_pages == 10**15


def test_reads_diagnostic_results_with_percent_score(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    items = [result(1, "2026-10-01T10:00:00", PercentScore=64), result(2, "2026-10-01T10:00:00", PercentScore=None)]
    bksb_http.get(DIAGNOSTIC, json=page_body(items, total=2, key="Diagnostic"))

    [page] = bksb_client.diagnostic_assessment_pages(77)

    assert [(r.kind, r.percent_score) for r in page.results] == [("diagnostic", 64.0), ("diagnostic", None)]


def test_keeps_unknown_keys_and_hostile_strings_verbatim(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    hostile = "<script>alert('x')</script> \"q\" 😀 \u202e" + "é" * 5000
    item = result(9, "2026-10-05T10:21:33.17", CourseName=hostile, Result=hostile, NewKey={"nested": [1]})
    del item["CourseSubject"]
    bksb_http.get(INITIAL, json=page_body([item], total=1))

    [page] = bksb_client.initial_assessment_pages(77)

    [got] = page.results
    assert (got.course_name, got.result, got.course_subject) == (hostile, hostile, "")
    assert got.raw == item
    assert got.percent_score is None


@pytest.mark.parametrize("broken", [{"SessionId": None}, {"AssessmentID": "abc"}, {"ResultDate": "yesterday"}])
def test_a_malformed_result_names_the_call_not_the_body(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, broken: dict[str, Any]
) -> None:
    item = result(1, "2026-10-01T10:00:00", CourseName="SECRET-LOOKING BODY TEXT") | broken
    bksb_http.get(INITIAL, json=page_body([item], total=1))

    with pytest.raises(BksbMalformedAnswer) as caught:
        list(bksb_client.initial_assessment_pages(77))

    assert "initialAssessment" in str(caught.value)
    assert "SECRET-LOOKING" not in str(caught.value)


@pytest.mark.parametrize("body", ["<html><body>Login</body></html>", "[1, 2]", '{"Pagination": null}'])
def test_an_answer_of_the_wrong_shape_is_malformed(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float], body: str
) -> None:
    bksb_http.get(INITIAL, body=body)

    with pytest.raises(BksbMalformedAnswer):
        list(bksb_client.initial_assessment_pages(77))

    # Asked again twice, as a transient failure is, before giving up.
    assert (len(bksb_http.calls), len(sleeps)) == (3, 2)


def test_one_cut_off_answer_is_asked_for_again_and_the_next_one_read(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    good = page_body([result(1, "2026-10-01T10:00:00")], total=1)
    bksb_http.get(INITIAL, body=json.dumps(good)[:-7])
    bksb_http.get(INITIAL, json=good)

    pages = list(bksb_client.initial_assessment_pages(77))

    assert [item.session_id for item in pages[0].results] == [1]
    assert (len(bksb_http.calls), len(sleeps)) == (2, 1)


def test_html_answer_to_username_exists_is_malformed(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    bksb_http.get(EXISTS, body="<html>maintenance</html>")

    with pytest.raises(BksbMalformedAnswer, match="isUsernameExists"):
        bksb_client.username_exists("jo")


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2026-10-05T10:21:33.17", datetime(2026, 10, 5, 9, 21, 33, 170000, tzinfo=UTC)),  # BST
        ("2026-01-05T10:21:33", datetime(2026, 1, 5, 10, 21, 33, tzinfo=UTC)),  # GMT
        ("2026-07-01T09:00:00.1234567", datetime(2026, 7, 1, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2026-07-01T09:00:00.", datetime(2026, 7, 1, 8, 0, 0, tzinfo=UTC)),
        ("2025-10-26T01:30:00", datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),  # ambiguous: first, BST
        ("2026-03-29T01:30:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # never existed
        ("2026-07-01T09:00:00Z", datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_reads_result_dates_as_uk_local_time(text: str, expected_utc: datetime) -> None:
    parsed = parse_bksb_datetime(text)

    assert parsed.tzinfo is BKSB_TIME_ZONE
    # Compared in UTC: Python never finds an ambiguous local time equal to another zone's.
    assert parsed.astimezone(UTC) == expected_utc


def test_result_dates_carry_the_summer_and_winter_offsets(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    items = [result(2, "2026-07-01T12:00:00.5"), result(1, "2026-12-01T12:00:00")]
    bksb_http.get(INITIAL, json=page_body(items, total=2))

    [page] = bksb_client.initial_assessment_pages(77)

    assert [r.result_date.utcoffset() for r in page.results] == [timedelta(hours=1), timedelta(0)]


# Failures and retries


def test_waits_for_retry_after_on_429_then_succeeds(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float], throttle: RecordingThrottle
) -> None:
    bksb_http.get(EXISTS, status=429, headers={"Retry-After": "7"})
    bksb_http.get(EXISTS, body="false")

    assert bksb_client.username_exists("jo") is False

    assert len(sleeps) == 1
    assert sleeps[0] >= 7
    assert throttle.penalties == [7.0]


def test_honours_an_http_date_retry_after(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    bksb_http.get(EXISTS, status=503, headers={"Retry-After": later})
    bksb_http.get(EXISTS, body="true")

    assert bksb_client.username_exists("jo") is True

    assert 35 <= sleeps[0] <= 41


def test_retries_a_503_then_succeeds(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    bksb_http.get(USER_ID, status=503, body="Service Unavailable")
    bksb_http.get(USER_ID, body="5")

    assert bksb_client.get_user_id("jo") == 5

    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5


def test_gives_up_after_max_retries_with_jittered_backoff(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    bksb_http.get(USER_ID, status=502, body="Bad Gateway")

    with pytest.raises(BksbTransientError) as caught:
        bksb_client.get_user_id("jo")

    assert caught.value.status == 502
    assert len(bksb_http.calls) == 5
    assert len(sleeps) == 4
    assert all(0 <= wait <= 0.5 * 2**attempt for attempt, wait in enumerate(sleeps))


def test_a_retry_after_too_long_to_wait_is_handed_to_the_caller(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    bksb_http.get(EXISTS, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(BksbTransientError) as caught:
        bksb_client.username_exists("jo")

    assert caught.value.retry_after == 3600
    assert sleeps == []


@pytest.mark.parametrize(
    "failure",
    [requests.exceptions.ConnectTimeout(), requests.exceptions.ReadTimeout(), requests.exceptions.ConnectionError()],
)
def test_timeouts_and_lost_connections_are_transient_and_retried(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, failure: Exception
) -> None:
    bksb_http.get(EXISTS, body=failure)

    with pytest.raises(BksbTransientError) as caught:
        bksb_client.username_exists("jo")

    assert caught.value.status is None
    assert len(bksb_http.calls) == 5


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (401, "check the Access Key ID, Secret Access Key and the key's permissions in bksb"),
        (403, "the key is disabled, or its permission for this call is not set to Allow"),
    ],
)
def test_a_refused_key_gives_a_plain_message_and_no_retry(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float], status: int, advice: str
) -> None:
    bksb_http.get(USER_ID, status=status, body="Unauthorized")

    with pytest.raises(BksbAuthError) as caught:
        bksb_client.get_user_id("jo")

    assert str(caught.value).startswith(f"bksb refused the key (HTTP {status}): {advice}")
    assert (len(bksb_http.calls), sleeps) == (1, [])


def test_a_bad_request_is_permanent_and_not_retried(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    bksb_http.get(USER_ID, status=400, body="Bad\x00 request\n\x1b[31m" + "x" * 1000)

    with pytest.raises(BksbPermanentError) as caught:
        bksb_client.get_user_id("jo")

    error = caught.value
    assert (error.call, error.status) == ("getUserId", 400)
    assert "HTTP 400" in str(error)
    assert error.detail.startswith("Bad request [31m")
    assert len(error.detail) <= 200
    assert (len(bksb_http.calls), sleeps) == (1, [])


def test_the_throttle_is_asked_before_every_request_and_told_of_429(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, throttle: RecordingThrottle
) -> None:
    bksb_http.get(EXISTS, status=429)
    bksb_http.get(EXISTS, status=500)
    bksb_http.get(EXISTS, body="true")

    bksb_client.username_exists("jo")

    assert throttle.acquired == len(bksb_http.calls) == 3
    assert len(throttle.penalties) == 1
    assert 0 < throttle.penalties[0] <= 0.5


def test_the_secret_never_appears_in_errors_or_logs(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"Authorization: {BASIC}\r\nX-Secret: {SECRET}\r\nEncoded: s3cret%2FKey%2Bwith%3Dchars"
    bksb_http.get(USER_ID, status=500, body=echo)
    bksb_http.get(EXISTS, status=401, body=echo)
    bksb_http.get(f"{BASE}api/users/user/1/getAutoLoginLink", body=echo)
    bksb_http.post(CREATE, status=400, body=echo + " pw=hunter22")
    caplog.set_level(logging.DEBUG)

    errors: list[BksbError] = []
    for attempt in (
        lambda: bksb_client.get_user_id("jo"),
        lambda: bksb_client.username_exists("jo"),
        lambda: bksb_client.get_auto_login_link(1),
        lambda: bksb_client.create_user(_new_user(password="hunter22")),
    ):
        with pytest.raises(BksbError) as caught:
            attempt()
        errors.append(caught.value)

    token = BASIC.removeprefix("Basic ")
    seen = [caplog.text] + [text for e in errors for text in (str(e), repr(e), e.detail, *map(str, e.args))]
    for text in seen:
        for secret in (SECRET, token, "s3cret%2FKey", "hunter22"):
            assert secret not in text
    assert "getUserId" in caplog.text


def test_errors_survive_pickling_with_their_details() -> None:
    error = BksbUserNotFound("bksb getUserId failed", call="getUserId", status=404, username="jo")

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object

    assert (type(copy), str(copy), copy.call, copy.status, copy.username) == (
        BksbUserNotFound,
        "bksb getUserId failed",
        "getUserId",
        404,
        "jo",
    )


def _new_user(password: str = PASSWORD) -> NewBksbUser:
    return NewBksbUser(
        username="jo",
        firstname="Jo",
        lastname="Bloggs",
        password=password,
        email="",
        date_of_birth=datetime(2000, 1, 2, 3, 4, 5, 678000),
        auto_enrol_courses=True,
    )


def test_a_naive_stop_before_is_refused_before_any_request(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    with pytest.raises(ValueError, match="aware"):
        bksb_client.initial_assessment_pages(77, stop_before=datetime(2026, 1, 1))

    assert len(bksb_http.calls) == 0


@responses.activate
def test_a_retry_after_longer_than_the_longest_wait_is_not_waited_for():
    responses.add(responses.GET, f"{BASE}api/users/isUsernameExists", status=429, headers={"Retry-After": "60"})
    slept: list[float] = []
    client = BksbClient(
        base_url=BASE, access_key_id="k", secret_access_key="s", max_retries=3, longest_wait=5, sleep=slept.append
    )
    with pytest.raises(BksbTransientError):
        client.username_exists("x")
    assert slept == []
    assert len(responses.calls) == 1


# Redirects: never followed, so a createUser body or the key never goes on to another address.

ELSEWHERE = "https://elsewhere.example/api/users/createUser"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_create_user_is_an_error_naming_the_new_location_and_is_not_resent(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, status: int
) -> None:
    bksb_http.post(CREATE, status=status, headers={"Location": ELSEWHERE + "?token=abc#x"})
    elsewhere = bksb_http.post(ELSEWHERE, json={"UserId": 1, "Username": "jo"})

    with pytest.raises(BksbRedirected) as caught:
        bksb_client.create_user(_new_user())

    assert isinstance(caught.value, BksbError)
    assert elsewhere.call_count == 0
    assert len(bksb_http.calls) == 1
    assert caught.value.status == status
    assert caught.value.location == ELSEWHERE
    assert ELSEWHERE in str(caught.value)
    assert "token=abc" not in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_redirected_get_is_an_error_not_retried_and_a_relative_location_is_made_whole(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, sleeps: list[float]
) -> None:
    bksb_http.get(EXISTS, status=302, headers={"Location": "/moved/api/users/isUsernameExists"})

    with pytest.raises(BksbRedirected, match=r"https://bksb\.test/moved/api/users/isUsernameExists"):
        bksb_client.username_exists("jo")

    assert len(bksb_http.calls) == 1
    assert sleeps == []


def test_a_redirect_error_survives_pickling_with_its_location() -> None:
    error = BksbRedirected("bksb createUser failed (HTTP 307)", call="createUser", status=307, location=ELSEWHERE)

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object

    assert (type(copy), copy.status, copy.location) == (BksbRedirected, 307, ELSEWHERE)
