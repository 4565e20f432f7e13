"""Relinking after bksb merges users: a linked record whose bksb user id stopped resolving follows its
username to the user it names now; if it names nobody, the record is unmatched, not failed."""

from __future__ import annotations

import pytest

from bksb_integration.models import BksbLink, InitialAssessmentResult, Run, RunLearner, Unmatched
from bksb_integration.sync.get_results import get_results_start
from permissions.audit import audit_entries
from tests.support import configure, linked_learner, remote_counts, stored_results

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(fast_clients=True)]

MERGED, KEPT = "demo.learner0003", "demo.learner0004"


def _get_results(capture) -> Run:
    with capture(execute=True):
        run, _ = get_results_start(started_by=None, trigger=Run.Trigger.MANUAL)
    run.refresh_from_db()
    return run


@pytest.fixture
def downloaded(sandbox, django_capture_on_commit_callbacks):
    """A BKSB User typed as MERGED, downloaded once: linked to MERGED's bksb user id."""
    configure(sandbox.url)
    learner = linked_learner(MERGED, web_user=False, first_name="Merged")
    first = _get_results(django_capture_on_commit_callbacks)
    assert (first.learners_done, first.learners_failed) == (1, 0)
    assert BksbLink.objects.get(learner=learner).bksb_user_id == sandbox.user_id(MERGED)
    return learner


def test_a_merged_user_is_relinked_to_the_user_its_name_now_names(
    sandbox, downloaded, django_capture_on_commit_callbacks
):
    lost, kept = sandbox.user_id(MERGED), sandbox.user_id(KEPT)
    old_results = stored_results(downloaded)
    sandbox.merge_users(MERGED, KEPT)

    run = _get_results(django_capture_on_commit_callbacks)

    link = BksbLink.objects.get(learner=downloaded)
    assert (link.bksb_user_id, link.unmatched) == (kept, "")
    assert (run.status, run.learners_done, run.learners_failed, run.learners_unmatched) == (
        Run.Status.SUCCEEDED,
        1,
        0,
        0,
    )
    # The old user's results stay, marked with its id; the new user's whole history is added.
    mine = InitialAssessmentResult.objects.filter(learner=downloaded)
    assert mine.filter(bksb_user_id=lost).count() == old_results[0]
    assert mine.filter(bksb_user_id=kept).count() == remote_counts(sandbox, KEPT)["initial"]
    change = next(entry for entry in audit_entries(source="links") if "relinked" in entry.note)
    moved = {c.label: (c.old, c.new) for c in change.changes}
    assert moved["Bksb user id"] == (str(lost), str(kept))
    assert change.note == f"relinked by a download: bksb merged user {lost} into {kept}"


def test_the_bksb_tab_shows_results_from_the_previous_bksb_account(
    sandbox, downloaded, django_capture_on_commit_callbacks, client, admin_user
):
    sandbox.merge_users(MERGED, KEPT)
    _get_results(django_capture_on_commit_callbacks)
    client.force_login(admin_user)

    page = client.get(f"/learners/{downloaded.pk}/bksb/").content.decode()

    assert "previous bksb account" in page
    assert str(sandbox.user_id(KEPT)) in page


def test_a_merged_user_whose_name_names_nobody_is_unmatched_not_failed(
    sandbox, downloaded, django_capture_on_commit_callbacks
):
    lost = sandbox.user_id(MERGED)
    sandbox.merge_users(MERGED, KEPT, name_follows=False)
    before = stored_results(downloaded)

    run = _get_results(django_capture_on_commit_callbacks)

    assert (run.status, run.learners_done, run.learners_failed, run.learners_unmatched) == (
        Run.Status.SUCCEEDED,
        1,
        0,
        1,
    )
    part = RunLearner.objects.get(run=run)
    assert part.status == RunLearner.Status.UNMATCHED
    assert f"bksb no longer knows bksb user {lost}" in part.error
    link = BksbLink.objects.get(learner=downloaded)
    assert (link.bksb_user_id, link.unmatched, link.last_outcome) == (lost, Unmatched.USER_ID_LOST, "unmatched")
    assert stored_results(downloaded) == before  # nothing lost


def test_an_unmatched_record_leaves_the_report_once_its_download_works_again(
    sandbox, downloaded, django_capture_on_commit_callbacks
):
    sandbox.merge_users(MERGED, KEPT, name_follows=False)
    _get_results(django_capture_on_commit_callbacks)
    downloaded.bksb_username = KEPT
    downloaded.save()

    run = _get_results(django_capture_on_commit_callbacks)

    link = BksbLink.objects.get(learner=downloaded)
    assert (run.learners_failed, run.learners_unmatched) == (0, 0)
    assert (link.bksb_user_id, link.unmatched) == (sandbox.user_id(KEPT), "")
