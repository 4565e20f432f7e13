"""Results: paging, caps, new results, content, determinism, laziness."""

from __future__ import annotations

from datetime import datetime

import requests

from bksb_sandbox.population import DEMO_ID_BASE
from bksb_sandbox.server import SandboxServer
from tests.fakes import KEY, SECRET, api, read_all, running_sandbox

MULTI_PAGE = DEMO_ID_BASE + 12  # every learner whose number ends in 2 has a long history
FIELDS = {"SessionId", "CourseSubject", "CourseName", "ResultDate", "AssessmentName", "AssessmentID", "Result"}


def page(bksb: requests.Session, user_id: int, kind: str = "initial", **params: object) -> dict:
    return api(bksb, f"results/{kind}Assessment/{user_id}/all", **params).json()


def test_reading_every_page_gets_every_result_once_newest_first(bksb: requests.Session) -> None:
    first = page(bksb, MULTI_PAGE, page=1, recordsPerPage=20)
    total = first["Pagination"]["TotalRecords"]
    assert total > 20
    assert first["Pagination"] == {"CurrentPage": 1, "TotalRecords": total, "RecordsPerPage": 20}
    items = read_all(bksb, MULTI_PAGE)
    assert len(items) == total
    assert len({(i["SessionId"], i["AssessmentID"]) for i in items}) == total
    dates = [datetime.fromisoformat(i["ResultDate"].split(".")[0]) for i in items]
    assert dates == sorted(dates, reverse=True)
    assert all(set(i) >= FIELDS for i in items)


def test_a_page_past_the_end_is_empty(bksb: requests.Session) -> None:
    body = page(bksb, MULTI_PAGE, page=99, recordsPerPage=20)
    assert body["InitialAssessmentResults"] == []
    assert body["Pagination"]["CurrentPage"] == 99


def test_records_per_page_is_capped_and_the_cap_reported(sandbox: SandboxServer, bksb: requests.Session) -> None:
    body = page(bksb, MULTI_PAGE, page=1, recordsPerPage=500)
    assert body["Pagination"]["RecordsPerPage"] == 100
    sandbox.set_config(page_cap=10)
    body = page(bksb, MULTI_PAGE, page=1, recordsPerPage=20)
    assert body["Pagination"]["RecordsPerPage"] == 10
    assert len(body["InitialAssessmentResults"]) == 10
    assert len(read_all(bksb, MULTI_PAGE, per_page=20)) == body["Pagination"]["TotalRecords"]


def test_diagnostics_carry_percent_scores(bksb: requests.Session) -> None:
    items = read_all(bksb, MULTI_PAGE, kind="diagnostic")
    assert items
    assert all("PercentScore" in i for i in items)
    assert all(i["PercentScore"] is None or 0 <= i["PercentScore"] <= 100 for i in items)


def test_unknown_user_id_is_404(bksb: requests.Session) -> None:
    assert api(bksb, "results/initialAssessment/42/all", page=1, recordsPerPage=20).status_code == 404


def test_added_results_come_first(sandbox: SandboxServer, bksb: requests.Session) -> None:
    before = page(bksb, DEMO_ID_BASE + 1, page=1, recordsPerPage=20)
    [added] = sandbox.add_results("demo.learner0001", kind="initial", count=1)
    after = page(bksb, DEMO_ID_BASE + 1, page=1, recordsPerPage=20)
    assert after["InitialAssessmentResults"][0] == added
    assert after["Pagination"]["TotalRecords"] == before["Pagination"]["TotalRecords"] + 1
    response = bksb.post(
        f"{sandbox.url}_sandbox/users/demo.learner0001/results", json={"kind": "diagnostic", "count": 2}, timeout=5
    )
    newest = response.json()["added"]
    assert page(bksb, DEMO_ID_BASE + 1, "diagnostic", page=1, recordsPerPage=2)["DiagnosticAssessmentResults"] == newest


def test_results_arriving_mid_paging_repeat_one_item_and_lose_none(
    sandbox: SandboxServer, bksb: requests.Session
) -> None:
    original = read_all(bksb, MULTI_PAGE)
    sandbox.set_config(duplicate_on_page_boundary=True)
    seen = read_all(bksb, MULTI_PAGE)
    keys = [i["SessionId"] for i in seen]
    assert len(keys) == len(set(keys)) + 1
    assert {i["SessionId"] for i in original} == set(keys)
    newest = page(bksb, MULTI_PAGE, page=1, recordsPerPage=20)["InitialAssessmentResults"][0]
    assert newest["SessionId"] not in keys  # arrived mid-paging; the next download picks it up


def test_hostile_user_results_hold_untrusted_strings(sandbox: SandboxServer, bksb: requests.Session) -> None:
    items = read_all(bksb, sandbox.user_id("o'brien.test"))
    text = " ".join(f"{i['CourseName']} {i['AssessmentName']} {i['Result']}" for i in items)
    for needle in ("<script>alert(1)</script>", "<b>bold</b>", "\"double\" and 'single'", "🎓"):
        assert needle in text
    assert max(len(i["CourseName"]) for i in items) == 2000


def test_population_has_the_awkward_cases_a_client_must_handle(bksb: requests.Session) -> None:
    items = [i for n in range(1, 60) for i in read_all(bksb, DEMO_ID_BASE + n)]
    dates = {i["ResultDate"].split(".")[0] for i in items}
    assert "2025-10-26T01:30:00" in dates
    assert "2026-03-29T01:30:00" in dates
    assert any("." in i["ResultDate"] for i in items)
    assert any("." not in i["ResultDate"] for i in items)
    assert {"ENG_NEW", "MATHS_NEW", "ICT"} <= {i["CourseSubject"] for i in items}
    assert {40000, 40001, 50000, 50001, 468} <= {i["AssessmentID"] for i in items}
    assert any("ExtraInfo" in i for i in items)


def test_same_seed_gives_same_answers_and_another_seed_does_not(bksb: requests.Session) -> None:
    def history(seed: int) -> list[dict]:
        with running_sandbox(seed=seed) as srv, requests.Session() as s:
            s.auth, s.base_url = (KEY, SECRET), srv.url
            return read_all(s, MULTI_PAGE)

    assert history(7) == history(7)
    assert history(7) != history(8)


def test_user_49999_of_50000_is_generated_on_demand(bksb: requests.Session) -> None:
    with running_sandbox(users=50_000) as srv, requests.Session() as s:
        s.auth, s.base_url = (KEY, SECRET), srv.url
        user_id = api(s, "users/user/getUserId", username="demo.learner49999").json()
        assert user_id == DEMO_ID_BASE + 49_999
        body = page(s, user_id, page=1, recordsPerPage=20)
        assert body["Pagination"]["TotalRecords"] == len(read_all(s, user_id))
        assert api(s, "users/isUsernameExists", username="demo.learner50001").json() is False
