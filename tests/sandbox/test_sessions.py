"""V5 assessment sessions and their per-skill (EOA) rows, as the sandbox answers them."""

from __future__ import annotations

import requests

from bksb_sandbox import vocab
from bksb_sandbox.population import DEMO_ID_BASE
from bksb_sandbox.server import SandboxServer
from tests.fakes import api, read_all

UNFINISHED = "0001-01-01T00:00:00"
WITH_UNFINISHED = DEMO_ID_BASE + 2  # every third demo learner has an initial assessment under way
NEW_USER = {
    "Username": "new.starter",
    "Firstname": "New",
    "Lastname": "Starter",
    "Email": "new@example.test",
    "AutoEnrolCourses": False,
}
EOA_FIELDS = {"CourseComponentName", "AbilityMeasurement", "MeasuringAssessmentName", "MeasuredAt"}


def sessions(bksb: requests.Session, user_id: int, subject: str = "ENG_NEW") -> requests.Response:
    return api(bksb, "assessmentSessions/getAssessmentSessionsForCourseV5", courseSubject=subject, userId=user_id)


def eoa(bksb: requests.Session, user_id: int, session_id: object) -> requests.Response:
    return api(bksb, "assessmentSessions/GetEOAReportDataForAssessmentSessionV5", sessionId=session_id, userId=user_id)


def test_sessions_are_the_reformed_assessments_results_and_one_under_way(bksb: requests.Session) -> None:
    listed = sessions(bksb, WITH_UNFINISHED).json()
    results = read_all(bksb, WITH_UNFINISHED) + read_all(bksb, WITH_UNFINISHED, kind="diagnostic")
    v5 = {r["SessionId"] for r in results if r["CourseSubject"] == "ENG_NEW" and r["AssessmentID"] == 50001}

    assert {s["SessionId"] for s in listed if s["DateCompleted"] != UNFINISHED} == v5
    [under_way] = [s for s in listed if s["DateCompleted"] == UNFINISHED]
    assert under_way["AssessmentType"] == 1
    assert {s["AssessmentType"] for s in listed} <= {1, 2}


def test_a_finished_session_reports_each_english_component(bksb: requests.Session) -> None:
    done = next(s for s in sessions(bksb, DEMO_ID_BASE + 12).json() if s["DateCompleted"] != UNFINISHED)

    rows = eoa(bksb, DEMO_ID_BASE + 12, done["SessionId"]).json()["AssessmentEOAData"]

    assert [row["CourseComponentName"] for row in rows] == list(vocab.SUBJECT_BY_CODE["ENG_NEW"].components)
    assert all(set(row) == EOA_FIELDS for row in rows)
    assert all(row["AbilityMeasurement"] in vocab.LEVELS for row in rows)


def test_a_started_session_is_unfinished_on_one_call_and_finished_with_its_result_on_the_next(
    sandbox: SandboxServer, bksb: requests.Session
) -> None:
    user = sandbox.user_id("demo.learner0001")
    assert user is not None
    started = sandbox.start_session("demo.learner0001", "MATHS_NEW", finish_after=1, result="Maths Level 1")

    [first] = [s for s in sessions(bksb, user, "MATHS_NEW").json() if s["SessionId"] == started["SessionId"]]
    assert first["DateCompleted"] == UNFINISHED
    assert eoa(bksb, user, started["SessionId"]).json() == {"AssessmentEOAData": []}
    assert started["SessionId"] not in {r["SessionId"] for r in read_all(bksb, user)}

    [second] = [s for s in sessions(bksb, user, "MATHS_NEW").json() if s["SessionId"] == started["SessionId"]]
    assert second["DateCompleted"] != UNFINISHED
    [result] = [r for r in read_all(bksb, user) if r["SessionId"] == started["SessionId"]]
    assert (result["Result"], result["CourseSubject"], result["ResultDate"]) == (
        "Maths Level 1",
        "MATHS_NEW",
        second["DateCompleted"],
    )
    assert len(eoa(bksb, user, started["SessionId"]).json()["AssessmentEOAData"]) == 6


def test_the_control_endpoint_starts_a_session(sandbox: SandboxServer, bksb: requests.Session) -> None:
    url = f"{sandbox.url}_sandbox/users/demo.learner0004/sessions"
    answer = requests.post(url, json={"subject": "ENG_NEW", "finish_after": 0}, timeout=5)
    assert answer.status_code == 200
    assert requests.post(url, json={"subject": "ICT"}, timeout=5).status_code == 400
    missing = f"{sandbox.url}_sandbox/users/nobody/sessions"
    assert requests.post(missing, json={"subject": "ENG_NEW"}, timeout=5).status_code == 404


def test_faults_unknown_user_empty_list_unknown_session_and_malformed(
    sandbox: SandboxServer, bksb: requests.Session
) -> None:
    missing = sessions(bksb, 42)
    assert (missing.status_code, missing.text) == (404, "A user with id '42' not found.")
    created = sandbox.store.create_user(NEW_USER)  # a new bksb user has taken no assessment
    assert sessions(bksb, created["UserId"], "MATHS_NEW").json() == []
    unknown = eoa(bksb, DEMO_ID_BASE + 12, 1)
    assert (unknown.status_code, unknown.text) == (404, "Assessment session '1' not found.")

    sandbox.set_config(malformed_calls=["getAssessmentSessionsForCourseV5"])
    assert sessions(bksb, DEMO_ID_BASE + 12).json() == {"Message": "An error has occurred."}
    sandbox.set_config(malformed_calls=[], sessions_not_found=True)
    done = next(s for s in sessions(bksb, DEMO_ID_BASE + 12).json() if s["DateCompleted"] != UNFINISHED)
    assert eoa(bksb, DEMO_ID_BASE + 12, done["SessionId"]).status_code == 404


def test_the_fault_knobs_take_only_known_calls(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}_sandbox/config"
    refused = requests.post(url, json={"malformed_calls": ["getEverything"]}, timeout=5)
    assert refused.status_code == 400
    assert "malformed_calls must be a list of" in refused.text
    assert requests.post(url, json={"sessions_not_found": "yes"}, timeout=5).status_code == 400
    assert requests.post(url, json={"sessions_not_found": True}, timeout=5).json()["sessions_not_found"] is True
