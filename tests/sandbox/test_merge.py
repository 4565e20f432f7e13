"""Merging users, as bksb merges duplicate accounts: the merged-away id stops resolving, its name moves on."""

from __future__ import annotations

import requests

from bksb_sandbox.server import SandboxServer
from tests.fakes import api, running_sandbox


def test_a_merged_user_id_stops_resolving_and_its_name_names_the_user_it_went_into(
    sandbox: SandboxServer, bksb: requests.Session
) -> None:
    lost, kept = sandbox.user_id("demo.learner0003"), sandbox.user_id("demo.learner0004")

    answer = requests.post(
        f"{sandbox.url}_sandbox/merge", json={"username": "demo.learner0003", "into": "demo.learner0004"}, timeout=5
    )

    assert answer.status_code == 200
    assert answer.json() == {"Username": "demo.learner0003", "LostUserId": lost, "UserId": kept}
    assert api(bksb, "users/user/getUserId", username="demo.learner0003").json() == kept
    gone = api(bksb, f"results/initialAssessment/{lost}/all", page=1, recordsPerPage=20)
    assert gone.status_code == 404
    assert f"A user with id '{lost}' not found." in gone.text
    assert api(bksb, f"results/initialAssessment/{kept}/all", page=1, recordsPerPage=20).status_code == 200


def test_a_merge_can_drop_the_merged_away_name(sandbox: SandboxServer, bksb: requests.Session) -> None:
    url = f"{sandbox.url}_sandbox/merge"
    body = {"username": "demo.learner0007", "into": "demo.learner0008", "name_follows": False}

    assert requests.post(url, json=body, timeout=5).status_code == 200

    assert "not found" in api(bksb, "users/user/getUserId", username="demo.learner0007").text
    assert api(bksb, "users/isUsernameExists", username="demo.learner0007").json() is False


def test_merging_an_unknown_user_or_a_user_into_itself_is_refused(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}_sandbox/merge"
    unknown = requests.post(url, json={"username": "nobody.here", "into": "demo.learner0004"}, timeout=5)
    itself = requests.post(url, json={"username": "demo.learner0004", "into": "demo.learner0004"}, timeout=5)
    shapeless = requests.post(url, json=["demo.learner0004"], timeout=5)

    assert (unknown.status_code, itself.status_code, shapeless.status_code) == (404, 400, 400)
    assert sandbox.user_id("demo.learner0004") is not None


def test_merges_survive_a_restart_with_a_state_file(tmp_path) -> None:
    state = str(tmp_path / "state.json")
    with running_sandbox(state_file=state) as first:
        first.merge_users("demo.learner0005", "demo.learner0006")
        kept = first.user_id("demo.learner0006")
    with running_sandbox(state_file=state) as again:
        assert again.user_id("demo.learner0005") == kept
        assert again.store.user_by_id(2_100_005) is None
