"""The client's V5 assessment-session calls against a fake bksb (responses): the requests
sent, how strictly answers are read, and the faults (unknown user or session, empty, malformed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbMalformedAnswer, BksbNotFound, BksbSessionNotFound, BksbUserNotFound

BASE = "https://bksb.test/"
SESSIONS = f"{BASE}api/assessmentSessions/getAssessmentSessionsForCourseV5"
EOA = f"{BASE}api/assessmentSessions/GetEOAReportDataForAssessmentSessionV5"


@pytest.fixture
def bksb_client() -> Iterator[BksbClient]:
    made = BksbClient(base_url=BASE, access_key_id="AKID", secret_access_key="secret", sleep=lambda _: None)
    yield made
    made.close()


def session(session_id: int, started: str, completed: str, kind: Any = 1) -> dict[str, Any]:
    return {"SessionId": session_id, "DateStarted": started, "DateCompleted": completed, "AssessmentType": kind}


def test_lists_finished_and_unfinished_sessions_with_uk_times_in_utc(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient
) -> None:
    answer = [
        session(1, "2026-07-01T09:00:00", "2026-07-01T09:40:12.5"),
        session(2, "2026-11-02T09:00:00", "0001-01-01T00:00:00", 2),
    ]
    bksb_http.get(SESSIONS, json=answer)

    finished, unfinished = bksb_client.assessment_sessions_v5(77, "ENG_NEW")

    assert (finished.session_id, finished.assessment_type, finished.is_finished) == (1, 1, True)
    # July is British Summer Time: 09:40 in the UK is 08:40 UTC.
    assert finished.date_completed is not None
    assert finished.date_completed.astimezone(UTC) == datetime(2026, 7, 1, 8, 40, 12, 500000, tzinfo=UTC)
    assert (unfinished.session_id, unfinished.assessment_type, unfinished.date_completed) == (2, 2, None)
    assert unfinished.date_started.astimezone(UTC) == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert bksb_http.calls[0].request.url == f"{SESSIONS}?courseSubject=ENG_NEW&userId=77"


def test_an_empty_session_list_is_no_sessions(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    bksb_http.get(SESSIONS, json=[])

    assert bksb_client.assessment_sessions_v5(77, "MATHS_NEW") == []


def test_sessions_are_listed_for_english_and_maths_only(bksb_client: BksbClient) -> None:
    with pytest.raises(ValueError, match="ENG_NEW and MATHS_NEW"):
        bksb_client.assessment_sessions_v5(77, "ICT")


@pytest.mark.parametrize("status", [404, 200])
def test_an_unknown_user_is_user_not_found(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, status: int
) -> None:
    bksb_http.get(SESSIONS, body="A user with id '77' not found.", status=status, content_type="text/plain")

    with pytest.raises(BksbUserNotFound, match="no user with that id"):
        bksb_client.assessment_sessions_v5(77, "ENG_NEW")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"Sessions": []}, "not a list of sessions"),
        ([session(1, "2026-07-01T09:00:00", "2026-07-01T09:40:00", None)], "AssessmentType"),
        ([session(1, "yesterday", "2026-07-01T09:40:00")], "DateStarted"),
        ([session(1, "2026-07-01T09:00:00", "")], "DateCompleted"),
        ([{"DateStarted": "2026-07-01T09:00:00"}], "SessionId"),
        (["<b>1</b>"], "not a JSON object"),
    ],
)
def test_a_malformed_session_list_is_refused_after_asking_again(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, answer: object, problem: str
) -> None:
    bksb_http.get(SESSIONS, json=answer)

    with pytest.raises(BksbMalformedAnswer, match=problem):
        bksb_client.assessment_sessions_v5(77, "ENG_NEW")
    assert len(bksb_http.calls) == 3  # the first answer and two tries more


def test_reads_a_sessions_per_skill_rows(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    rows = [
        {
            "CourseComponentName": "Reading <i>comprehension</i>",
            "AbilityMeasurement": "Entry 3",
            "MeasuringAssessmentName": "English Initial Assessment",
            "MeasuredAt": "2026-10-05T10:21:33.17",
            "Extra": {"kept": True},
        },
        {"CourseComponentName": "Spelling", "AbilityMeasurement": 3, "MeasuredAt": None},
    ]
    bksb_http.get(EOA, json={"AssessmentEOAData": rows})

    reading, spelling = bksb_client.eoa_report_v5(77, 9913)

    assert reading.course_component_name == "Reading <i>comprehension</i>"
    assert (reading.ability_measurement, reading.measuring_assessment_name) == ("Entry 3", "English Initial Assessment")
    assert reading.measured_at is not None
    assert reading.measured_at.astimezone(UTC) == datetime(2026, 10, 5, 9, 21, 33, 170000, tzinfo=UTC)
    assert reading.raw["Extra"] == {"kept": True}
    assert (spelling.ability_measurement, spelling.measuring_assessment_name, spelling.measured_at) == ("3", "", None)
    assert bksb_http.calls[0].request.url == f"{EOA}?sessionId=9913&userId=77"


def test_an_unknown_session_is_session_not_found(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    bksb_http.get(EOA, body="Assessment session '9913' not found.", status=404, content_type="text/plain")

    with pytest.raises(BksbSessionNotFound, match="no such assessment session"):
        bksb_client.eoa_report_v5(77, 9913)
    assert len(bksb_http.calls) == 1


def test_another_404_is_not_found_with_its_text(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    bksb_http.get(EOA, body="<h1>Page missing</h1>", status=404, content_type="text/html")

    with pytest.raises(BksbNotFound, match="Page missing") as caught:
        bksb_client.eoa_report_v5(77, 9913)
    assert not isinstance(caught.value, (BksbSessionNotFound, BksbUserNotFound))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([], "not a JSON object"),
        ({"Data": []}, "AssessmentEOAData is missing"),
        ({"AssessmentEOAData": {"Reading": 1}}, "not a list"),
        ({"AssessmentEOAData": [{"AbilityMeasurement": "Entry 3"}]}, "no CourseComponentName"),
        ({"AssessmentEOAData": [{"CourseComponentName": "Writing", "MeasuredAt": "E3"}]}, "MeasuredAt"),
    ],
)
def test_a_malformed_eoa_report_is_refused(
    bksb_http: responses.RequestsMock, bksb_client: BksbClient, answer: object, problem: str
) -> None:
    bksb_http.get(EOA, json=answer)

    with pytest.raises(BksbMalformedAnswer, match=problem):
        bksb_client.eoa_report_v5(77, 9913)


def test_an_empty_eoa_report_has_no_rows(bksb_http: responses.RequestsMock, bksb_client: BksbClient) -> None:
    bksb_http.get(EOA, json={"AssessmentEOAData": []})

    assert bksb_client.eoa_report_v5(77, 9913) == []
