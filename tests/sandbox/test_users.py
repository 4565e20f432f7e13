"""Users: auth, lookups, createUser, auto-login."""

from __future__ import annotations

import json

import requests

from bksb_sandbox.server import SandboxServer
from tests.fakes import KEY, SECRET, api, running_sandbox

DOB = {"DateOfBirth[Year]": "2004", "DateOfBirth[Month]": "2", "DateOfBirth[Day]": "29"}


def new_user_form(username: str = "new.learner", **changes: str) -> dict[str, str]:
    form = {
        "Username": username,
        "Firstname": "New",
        "Lastname": "Learner",
        "Password": "Secr3t!pass",
        "Email": "new@example.ac.uk",
        "AutoEnrolCourses": "true",
        **DOB,
        **{f"DateOfBirth[{p}]": "0" for p in ("Hour", "Minute", "Second", "Millisecond")},
    }
    form.update(changes)
    return form


def create(bksb: requests.Session, form: dict[str, str]) -> requests.Response:
    return bksb.post(f"{bksb.base_url}api/users/createUser", data=form, timeout=5)


def test_calls_without_or_with_wrong_credentials_are_refused_401(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}api/users/isUsernameExists"
    assert requests.get(url, params={"username": "x"}, timeout=5).status_code == 401
    wrong = requests.get(url, params={"username": "x"}, auth=(KEY, "nope"), timeout=5)
    assert wrong.status_code == 401
    assert "denied" in wrong.text
    assert SECRET not in wrong.text


def test_disabled_key_or_call_answers_403(sandbox: SandboxServer, bksb: requests.Session) -> None:
    sandbox.set_config(forbidden_calls=["createUser"])
    assert create(bksb, new_user_form()).status_code == 403
    assert api(bksb, "users/isUsernameExists", username="x").status_code == 200
    sandbox.set_config(forbidden=True, forbidden_calls=[])
    assert api(bksb, "users/isUsernameExists", username="x").status_code == 403


def test_username_exists_answers_json_bool(bksb: requests.Session) -> None:
    assert api(bksb, "users/isUsernameExists", username="demo.learner0001").json() is True
    assert api(bksb, "users/isUsernameExists", username="demo.learner9999").json() is False


def test_user_id_is_a_bare_integer(bksb: requests.Session) -> None:
    response = api(bksb, "users/user/getUserId", username="demo.learner0007")
    assert response.status_code == 200
    assert response.text == "2100007"


def test_unknown_username_message_comes_with_404_or_200(sandbox: SandboxServer, bksb: requests.Session) -> None:
    response = api(bksb, "users/user/getUserId", username="no.such")
    assert (response.status_code, response.text) == (404, "A user with username 'no.such' not found.")
    sandbox.set_config(not_found_status=200)
    response = api(bksb, "users/user/getUserId", username="no.such")
    assert (response.status_code, response.text) == (200, "A user with username 'no.such' not found.")


def test_hostile_usernames_are_found_when_fully_encoded(bksb: requests.Session) -> None:
    for name in ("o'brien.test", "name with space", "ünïcode+plus&amp"):
        assert api(bksb, "users/user/getUserId", username=name).status_code == 200


def test_create_user_answers_the_new_id_and_records_auto_enrol(sandbox: SandboxServer, bksb: requests.Session) -> None:
    response = create(bksb, new_user_form())
    assert response.status_code == 200
    body = response.json()
    assert body["Username"] == "new.learner"
    assert body["AutoEnrolCourses"] is True
    assert "Password" not in body
    assert api(bksb, "users/user/getUserId", username="new.learner").json() == body["UserId"]
    [record] = sandbox.created_users()
    assert record["AutoEnrolCourses"] is True
    assert "Password" not in json.dumps(record)
    details = bksb.get(f"{sandbox.url}_sandbox/users/new.learner", timeout=5).json()
    assert details["Created"] is True
    assert details["InitialAssessmentResults"] == 0


def test_create_user_refuses_taken_names_and_bad_fields(bksb: requests.Session) -> None:
    taken = create(bksb, new_user_form("demo.learner0001"))
    assert (taken.status_code, taken.text) == (400, "Username 'demo.learner0001' is already in use.")
    for form in (
        new_user_form(""),
        new_user_form(Password=""),
        new_user_form(Email="not-an-email"),
        new_user_form(**{"DateOfBirth[Month]": "13"}),
        new_user_form(**{"DateOfBirth[Year]": "2090"}),
        new_user_form(AutoEnrolCourses="maybe"),
    ):
        response = create(bksb, form)
        assert response.status_code == 400
        assert "UserId" not in response.text


def test_created_users_survive_a_restart_with_a_state_file(tmp_path) -> None:
    state = tmp_path / "state.json"
    with running_sandbox(state_file=str(state)) as first, requests.Session() as s:
        s.auth, s.base_url = (KEY, SECRET), first.url
        user_id = create(s, new_user_form("kept.learner")).json()["UserId"]
        first.add_results("kept.learner", kind="diagnostic", count=2)
    assert "Secr3t" not in state.read_text()
    with running_sandbox(state_file=str(state)) as second:
        assert second.user_id("kept.learner") == user_id
        assert second.user_details("kept.learner")["DiagnosticAssessmentResults"] == 2


def test_auto_login_link_signs_in_once_and_escapes_the_name(sandbox: SandboxServer, bksb: requests.Session) -> None:
    user_id = sandbox.user_id('quote"d<b>user</b>')
    link = api(bksb, f"users/user/{user_id}/getAutoLoginLink").json()
    assert link["Link"].startswith(f"{sandbox.url}autologin/")
    assert len(link["Expiry"]) == 19
    assert "+" not in link["Expiry"]
    page = requests.get(link["Link"], timeout=5)
    assert page.status_code == 200
    assert "signed in as quote&quot;d&lt;b&gt;user&lt;/b&gt;" in page.text
    assert "<b>user" not in page.text
    assert requests.get(link["Link"], timeout=5).status_code == 404


def test_auto_login_link_for_unknown_id_is_404(bksb: requests.Session) -> None:
    assert api(bksb, "users/user/1/getAutoLoginLink").status_code == 404


def test_placed_users_answer_under_any_username(sandbox: SandboxServer, bksb: requests.Session) -> None:
    placed = bksb.post(
        sandbox.url + "_sandbox/users",
        json=[{"Username": "amy.adams@college.ac.uk", "Firstname": "Amy"}, {"Username": "A0001"}],
    )
    user_id = placed.json()["placed"][0]["UserId"]

    assert api(bksb, "users/user/getUserId", username="amy.adams@college.ac.uk").json() == user_id
    assert api(bksb, "users/isUsernameExists", username="A0001").json() is True
    assert sandbox.created_users() == []  # placed, not made through createUser


def test_placing_a_taken_or_repeated_name_places_nothing(sandbox: SandboxServer, bksb: requests.Session) -> None:
    answer = bksb.post(sandbox.url + "_sandbox/users", json=[{"Username": "x1"}, {"Username": "demo.learner0001"}])
    repeated = bksb.post(sandbox.url + "_sandbox/users", json=[{"Username": "x2"}, {"Username": "x2"}])

    assert answer.status_code == 400
    assert "demo.learner0001" in answer.text
    assert repeated.status_code == 400
    assert sandbox.user_id("x1") is None
    assert sandbox.user_id("x2") is None
