"""Tools > Import learners' confirm runs on the workers, a chunk per transaction, and keeps its file until it ends."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse

from jobs.models import Job
from jobs.services import job_run
from learners import importing
from learners.models import Learner
from tests.factories import LearnerFactory, WebUserFactory
from tests.learners.test_import_views import URL, line, pending_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(client, manager):
    """Log in as a manager and upload a file that the preview accepts."""

    def check(*lines: str, **data: str) -> None:
        client.force_login(manager)
        response = client.post(URL, {"csv_file": upload(*lines), **data})
        assert "Confirm import" in response.text

    return check


def test_confirm_answers_at_once_with_a_window_and_the_worker_imports(
    client, checked, tmp_path: Path, django_capture_on_commit_callbacks
):
    checked(line("L000001"), line("L000002"))
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(URL, {"confirm": "1"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert '<dialog data-open-modal id="job-window"' in response.text
    assert "Import learners" in response.text
    assert not Learner.objects.exists()  # nothing is written while the person waits
    assert len(pending_files(tmp_path)) == 1
    assert len(queued) == 1

    queued[0]()  # the worker runs the job
    job = Job.objects.get()
    assert (job.status, job.total, job.done) == (Job.Status.SUCCEEDED, 2, 2)
    assert Learner.objects.count() == 2
    assert pending_files(tmp_path) == []
    status = client.get(reverse("jobs:status", args=["job", job.pk]), HTTP_HX_REQUEST="true")
    assert "Imported 2 rows: 2 created" in status.text
    assert status["HX-Trigger"] == "jobFinished"


def test_chunks_commit_separately_and_a_failure_keeps_the_file_for_try_again(
    client, checked, tmp_path: Path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    checked(*[line(f"L00000{n}", web_username=f"user.{n}") for n in range(1, 6)])
    real, calls = importing._web_users_write, []

    def fails_in_the_second_chunk(plan):
        calls.append(plan)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real(plan)

    failing = mock.patch("learners.importing._web_users_write", side_effect=fails_in_the_second_chunk)
    with failing, django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"confirm": "1"})
    job = Job.objects.get()

    assert job.status == Job.Status.FAILED
    assert "Try again carries on" in job.message
    assert sorted(Learner.objects.values_list("learner_ref", flat=True)) == ["L000001", "L000002"]
    assert (job.done, job.totals["through_line"]) == (2, 3)
    assert len(pending_files(tmp_path)) == 1  # the checked file survives the failure
    page = client.get(reverse("jobs:detail", args=[job.pk])).text
    assert "Try again" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("jobs:resume", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert Learner.objects.count() == 5
    assert job.message.startswith("Imported 5 rows: 5 created")
    assert pending_files(tmp_path) == []
    assert Learner.history.count() == 5  # nothing written twice


def test_a_file_that_went_bad_after_the_preview_is_refused_whole_as_before(
    client, checked, django_capture_on_commit_callbacks
):
    checked(line("L000001"), line("L000002", web_username="wanted"))
    WebUserFactory(learner=LearnerFactory(learner_ref="L000099"), user__username="wanted")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"confirm": "1"})
    job = Job.objects.get()
    page = client.get(reverse("jobs:detail", args=[job.pk])).text
    # The check refuses the file whole now, as before: nothing is imported.
    assert job.status == Job.Status.REFUSED
    assert "Nothing was imported: the file now has bad rows" in page
    assert "web_username: wanted already belongs to learner L000099." in page
    assert not Learner.objects.filter(learner_ref__in=["L000001", "L000002"]).exists()


def test_a_row_that_went_bad_between_the_check_and_its_chunk_is_left_out_and_reported(monkeypatch):
    import io

    from learners.importing import COLUMNS, learners_import_plan, learners_import_write

    text = "\n".join([",".join(COLUMNS), line("L000001"), line("L000002", web_username="wanted"), line("L000003")])
    plan = learners_import_plan(rows=io.StringIO(text + "\n", newline=""))
    assert not plan.refused
    WebUserFactory(learner=LearnerFactory(learner_ref="L000099"), user__username="wanted")

    summary = learners_import_write(plan=plan, chunk_rows=2)

    assert [(error.line, error.learner_ref) for error in summary.refused] == [(3, "L000002")]
    assert (summary.rows, summary.created) == (2, 2)
    assert sorted(Learner.objects.values_list("learner_ref", flat=True)) == ["L000001", "L000003", "L000099"]


def test_the_window_is_shown_only_to_those_who_may_import(client, checked, tutor, django_capture_on_commit_callbacks):
    checked(line("L000001"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"confirm": "1"})
    job = Job.objects.get()
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    client.force_login(tutor)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 403
    assert client.get(reverse("jobs:status", args=["job", job.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 302


def test_without_javascript_the_job_page_refreshes_itself_until_the_end(
    client, checked, django_capture_on_commit_callbacks
):
    checked(line("L000001"))
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(URL, {"confirm": "1"})
    running = client.get(response["Location"]).text
    assert '<noscript><meta http-equiv="refresh"' in running
    queued[0]()
    finished = client.get(response["Location"]).text
    assert '<meta http-equiv="refresh"' not in finished
    assert "Go to learners" in finished


def test_a_job_run_twice_writes_once(client, checked, django_capture_on_commit_callbacks):
    checked(line("L000001"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"confirm": "1"})
    job = Job.objects.get()
    assert job_run(job_id=job.pk) == "not claimed"
    assert Learner.history.count() == 1
