"""Downloading a learner's results from the sandbox over a real socket."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from bksb_integration.accounts.linking import download_reset
from bksb_integration.config.connection import client_for
from bksb_integration.models import BksbLink, DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.sync.download import DownloadFailed
from tests.support import (
    BST_USER,
    MULTI_PAGE_USER,
    last_download,
    learner_download,
    linked_learner,
    remote_counts,
    stored,
)

PAGE = 10

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(page_cap=PAGE, switched_on=True)]


def _download(learner):
    client = client_for()
    try:
        return learner_download(learner=learner, client=client)
    finally:
        client.close()


def _pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def test_first_download_reads_every_page_and_stores_every_result_once(sandbox):
    learner = linked_learner(MULTI_PAGE_USER)
    remote = remote_counts(sandbox, MULTI_PAGE_USER)
    assert remote["initial"] > PAGE

    result = _download(learner)

    requests = sandbox.stats()["by_path"]
    assert requests["initialAssessment"] == _pages(remote["initial"])
    assert requests["diagnosticAssessment"] == _pages(remote["diagnostic"])
    assert InitialAssessmentResult.objects.filter(learner=learner).count() == remote["initial"]
    assert DiagnosticAssessmentResult.objects.filter(learner=learner).count() == remote["diagnostic"]
    assert result.counts.created == remote["initial"] + remote["diagnostic"]
    assert BksbLink.objects.get(learner=learner).bksb_user_id == sandbox.user_id(MULTI_PAGE_USER)
    assert last_download(learner) is not None


def test_next_download_reads_only_the_first_page_and_adds_only_new_results(sandbox):
    learner = linked_learner(MULTI_PAGE_USER)
    _download(learner)
    before = stored(learner)
    # ICT has no V5 sessions: only the result lists are read (see test_sessions_download for those).
    sandbox.add_results(MULTI_PAGE_USER, kind="initial", count=2, subject="ICT")
    sandbox.reset_stats()

    result = _download(learner)

    requests = sandbox.stats()["by_path"]
    assert requests == {"initialAssessment": 1, "diagnosticAssessment": 1}
    assert result.counts.created == 2
    assert result.counts.updated == 0
    after = stored(learner)
    assert len(after) == len(before) + 2
    assert all(after[key] == value for key, value in before.items())


def test_a_result_added_mid_download_is_stored_once(sandbox):
    sandbox.set_config(duplicate_on_page_boundary=True)
    learner = linked_learner(MULTI_PAGE_USER)
    remote_before = remote_counts(sandbox, MULTI_PAGE_USER)

    result = _download(learner)

    # One result arrived in each list after page 1 was read, shifting one older result onto page 2 again.
    remote_after = remote_counts(sandbox, MULTI_PAGE_USER)
    assert remote_after["initial"] == remote_before["initial"] + 1
    assert result.counts.created == sum(remote_before.values())
    assert InitialAssessmentResult.objects.filter(learner=learner).count() == remote_before["initial"]
    sandbox.set_config(duplicate_on_page_boundary=False)
    again = _download(learner)
    # The result that arrived mid-way is picked up next time, and nothing is stored twice.
    assert again.counts.created == 2
    assert InitialAssessmentResult.objects.filter(learner=learner).count() == remote_after["initial"]
    assert DiagnosticAssessmentResult.objects.filter(learner=learner).count() == remote_after["diagnostic"]


def test_a_result_in_the_repeated_autumn_hour_is_stored_at_its_bst_instant_and_stays_unchanged(sandbox):
    learner = linked_learner(BST_USER)
    _download(learner)
    rows = [
        row
        for model in (InitialAssessmentResult, DiagnosticAssessmentResult)
        for row in model.objects.filter(learner=learner)
        if str(row.raw.get("ResultDate", "")).startswith("2025-10-26T01:30")
    ]
    assert rows, "the sandbox gives this user a result at 01:30 on the day the clocks go back"
    # 01:30 happened twice that night; bksb's first (BST, UTC+1) reading is 00:30 UTC.
    assert {row.result_date.replace(microsecond=0) for row in rows} == {dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC)}

    download_reset(learner=learner)
    again = _download(learner)
    assert again.counts.created == 0
    assert again.counts.updated == 0


def test_re_download_all_reads_every_page_and_changes_nothing(sandbox):
    learner = linked_learner(MULTI_PAGE_USER)
    first = _download(learner)
    before = stored(learner)
    first_requests = sandbox.stats()["by_path"]
    sandbox.reset_stats()

    download_reset(learner=learner)
    assert last_download(learner) is None
    result = _download(learner)

    requests = sandbox.stats()["by_path"]
    assert requests["initialAssessment"] == first_requests["initialAssessment"]
    assert requests["diagnosticAssessment"] == first_requests["diagnosticAssessment"]
    assert (result.counts.created, result.counts.updated) == (0, 0)
    assert result.counts.unchanged == first.counts.created
    assert stored(learner) == before


def test_unknown_username_gives_a_clear_message_and_changes_nothing(sandbox):
    learner = linked_learner("nobody.here", web_user=False)

    with pytest.raises(DownloadFailed) as failure:
        _download(learner)

    assert str(failure.value) == ("bksb has no user called “nobody.here”; check the username or create a bksb user.")
    link = BksbLink.objects.get(learner=learner)
    assert link.bksb_user_id is None
    assert link.last_outcome == "failed"
    assert stored(learner) == {}
    assert last_download(learner) is None


def test_applicants_download_like_learners(sandbox):
    learner = linked_learner("demo.learner0003", web_user=False, kind="applicant")
    result = _download(learner)
    assert result.counts.created == sum(remote_counts(sandbox, "demo.learner0003").values())
