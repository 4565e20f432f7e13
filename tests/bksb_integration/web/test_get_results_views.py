"""Management > BKSB: Get Results, the BKSB Results window, and run History, as staff see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bksb_integration.models import Run, RunLearner
from bksb_integration.web.runs.display import time_left_text
from learners.models import LearningStatus
from tests.factories import LearnerFactory
from tests.support import configure, linked_learners

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(switched_on=True)]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def run(db) -> Run:
    return Run.objects.create(kind=Run.Kind.GET_RESULTS, status=Run.Status.SUCCEEDED, finished_at=timezone.now())


def _pages(run: Run) -> list[tuple[str, str]]:
    return [
        ("get", reverse("bksb:management")),
        ("post", reverse("bksb:get_results")),
        ("get", reverse("jobs:status", args=["run", run.pk])),
        ("get", reverse("bksb:run_panel")),
        ("get", reverse("bksb:history")),
        ("get", reverse("bksb:run_detail", args=[run.pk])),
        ("get", reverse("bksb:schedule")),
    ]


def _running(**fields) -> Run:
    values = {
        "kind": Run.Kind.GET_RESULTS,
        "status": Run.Status.RUNNING,
        "heartbeat_at": timezone.now(),
        "planned_at": timezone.now(),
        "started_at": timezone.now(),
        "stage": Run.Stage.DOWNLOADING,
    }
    values.update(fields)
    return Run.objects.create(**values)


# -- who may do what ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, run):
    for method, url in _pages(run):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_web_users_and_staff_without_get_results_for_all_are_refused(client, run, web_user, outsider, staff_with):
    one_learner = staff_with("bksb_module", "view_learners", "get_bksb_results", "edit_bksb_link", username="one1")
    for user in (web_user.user, outsider, staff_with("bksb_module", "view_learners"), one_learner):
        client.force_login(user)
        for method, url in _pages(run):
            assert getattr(client, method)(url).status_code == 403, (user, url)


def test_a_tutor_gets_one_learner_s_results_but_not_everyone_s(client, run, tutor):
    client.force_login(tutor)
    for method, url in _pages(run):
        assert getattr(client, method)(url).status_code == 403, url


def test_a_manager_uses_every_page_but_the_schedule(client, run, manager):
    client.force_login(manager)
    for method, url in _pages(run):
        if method == "get" and url != reverse("bksb:schedule"):
            assert client.get(url).status_code == 200, url
    assert client.get(reverse("bksb:schedule")).status_code == 403
    assert client.post(reverse("bksb:schedule"), {"at": "03:00"}).status_code == 403


def test_get_results_for_all_alone_with_the_module_is_enough(client, run, staff_with):
    client.force_login(staff_with("bksb_module", "get_all_bksb_results"))
    assert client.get(reverse("bksb:management")).status_code == 200
    assert client.get(reverse("bksb:history")).status_code == 200
    assert client.get(reverse("bksb:run_detail", args=[run.pk])).status_code == 200
    assert client.get(reverse("jobs:status", args=["run", run.pk])).status_code == 200


def test_an_admin_edits_the_schedule(client, run, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("bksb:schedule")).status_code == 200
    page = client.get(reverse("bksb:management")).content.decode()
    assert "Save schedule" in page
    assert reverse("bksb:settings") in page


def test_without_the_bksb_module_deployed_the_pages_do_not_exist(client, run, admin_user, settings):
    settings.BKSB_INTEGRATION_AVAILABLE = False
    client.force_login(admin_user)
    for method, url in _pages(run):
        assert getattr(client, method)(url).status_code == 404, url


def test_the_management_menu_shows_bksb_to_those_who_may_get_results_for_all(client, manager, tutor):
    client.force_login(manager)
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "Management" in page
    assert reverse("bksb:management") in page
    assert reverse("bksb:history") in page
    client.force_login(tutor)
    page = client.get(reverse("learners:list")).content.decode()
    assert f'href="{reverse("bksb:management")}"' not in page
    assert f'href="{reverse("bksb:history")}"' not in page
    assert f'href="{reverse("bksb:reports")}"' in page  # the BKSB module's Reports are in the same menu


def test_a_manager_sees_the_schedule_but_no_form_or_settings_link(client, manager):
    client.force_login(manager)
    page = client.get(reverse("bksb:management")).content.decode()
    assert "every night at <strong>02:00</strong>" in page
    assert "Save schedule" not in page
    assert reverse("bksb:settings") not in page


# -- the management page ------------------------------------------------------------------------


def test_the_page_says_how_many_are_eligible_and_why_others_are_skipped(client, manager):
    LearnerFactory.create_batch(3, bksb_user=True, bksb_username="someone")
    LearnerFactory(bksb_user=True, bksb_username="")
    LearnerFactory(bksb_user=True, bksb_username="x", learning_status=LearningStatus.WITHDRAWN)
    client.force_login(manager)
    page = client.get(reverse("bksb:management")).content.decode()
    assert "<strong>3</strong><span>eligible now</span>" in page
    assert "1 · BKSB User ticked but no BKSB Username and no web user account" in page
    assert "1 · Not in learning and ended more than the allowed days ago" in page
    assert "No Get Results run yet." in page


def test_while_a_run_is_going_the_page_shows_it_and_refreshes_itself(client, manager):
    running = _running(learners_total=10, learners_done=4)
    client.force_login(manager)
    page = client.get(reverse("bksb:management")).content.decode()
    assert "Get Results is running" in page
    assert "4 of 10" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert f'hx-get="{reverse("jobs:status", args=["run", running.pk])}"' in page


def test_the_counts_add_up_when_a_learner_failed(client, manager):
    Run.objects.create(
        kind=Run.Kind.GET_RESULTS,
        status=Run.Status.PARTIAL,
        finished_at=timezone.now(),
        learners_total=10,
        learners_done=10,
        learners_failed=1,
    )
    client.force_login(manager)
    page = client.get(reverse("bksb:management")).content.decode()
    assert "10 of 10 learners finished: 9 downloaded, 1 failed." in page
    assert "<strong>9</strong><span>downloaded</span>" in page
    assert "10 learners done" not in page
    history = client.get(reverse("bksb:history")).content.decode()
    assert '<td class="num">10 of 10</td>\n      <td class="num">9</td>\n      <td class="num">1</td>' in history
    assert '<th scope="col" class="num">Learners finished</th>' in history
    assert '<th scope="col" class="num">Downloaded</th>' in history


def test_a_running_run_says_how_many_of_its_learners_finished(client, manager):
    run = _running(learners_total=10, learners_done=4, learners_failed=1)
    client.force_login(manager)
    page = client.get(reverse("jobs:status", args=["run", run.pk]), **HTMX).content.decode()
    assert "4 of 10 learners finished: 3 downloaded, 1 failed" in page


def test_after_a_run_the_page_shows_the_last_one_and_does_not_refresh(client, manager, run):
    client.force_login(manager)
    page = client.get(reverse("bksb:management")).content.decode()
    assert "Last run" in page
    assert "http-equiv" not in page
    assert 'hx-trigger="load' not in page


def test_the_run_panel_redraws_itself_when_the_window_says_the_run_finished(client, manager):
    client.force_login(manager)
    page = client.get(reverse("bksb:management")).content.decode()
    assert "No Get Results run yet." in page
    assert f'hx-get="{reverse("bksb:run_panel")}" hx-trigger="bksbRunFinished from:body"' in page
    run = _running(learners_total=3, learners_done=1)
    assert "HX-Trigger" not in client.get(reverse("jobs:status", args=["run", run.pk]), **HTMX)
    run.status, run.finished_at, run.learners_done = Run.Status.SUCCEEDED, timezone.now(), 3
    run.save()
    status = client.get(reverse("jobs:status", args=["run", run.pk]), **HTMX)
    assert status["HX-Trigger"] == "bksbRunFinished"
    panel = client.get(reverse("bksb:run_panel"), **HTMX).content.decode()
    assert "Last run" in panel
    assert "Finished." in panel
    assert "No Get Results run yet." not in panel


def test_the_panel_shows_a_run_still_going_once_its_window_is_closed(client, manager):
    run = _running(learners_total=3, learners_done=1)
    client.force_login(manager)
    panel = client.get(reverse("bksb:run_panel"), **HTMX).content.decode()
    assert "Get Results is running" in panel
    assert f'hx-get="{reverse("jobs:status", args=["run", run.pk])}"' in panel


# -- Get Results --------------------------------------------------------------------------------


def test_get_results_opens_the_window_and_downloads_everyone(
    client, manager, sandbox, django_capture_on_commit_callbacks
):
    linked_learners([3, 4, 5])
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bksb:get_results"), **HTMX)
    page = response.content.decode()
    run = Run.objects.get(kind=Run.Kind.GET_RESULTS)
    assert response.status_code == 200
    assert "<dialog data-open-modal" in page
    assert "BKSB Results" in page
    assert run.started_by == manager
    assert run.trigger == Run.Trigger.MANUAL
    # With eager tasks the run ended before the window was drawn; the live window is tested below.
    client.force_login(manager)
    page = client.get(reverse("jobs:status", args=["run", run.pk]), **HTMX).content.decode()
    assert "Finished." in page
    assert "3 of 3" in page
    assert "hx-trigger" not in page
    assert reverse("bksb:run_detail", args=[run.pk]) in page


def test_the_window_polls_its_status_until_the_run_ends(client, manager):
    configure("http://127.0.0.1:9/")
    client.force_login(manager)
    response = client.post(reverse("bksb:get_results"), **HTMX)  # no on_commit: the run stays queued
    run = Run.objects.get(kind=Run.Kind.GET_RESULTS)
    status_url = reverse("jobs:status", args=["run", run.pk])
    page = response.content.decode()
    assert f'hx-get="{status_url}" hx-trigger="every 1s"' in page  # the one polling interval of every window
    assert "Closing this window does not stop Get Results" in page
    assert 'hx-trigger="close" hx-swap="delete"' in page  # closing removes it, so polling cannot reopen it
    assert 'data-closed-event="bksbRunFinished"' in page  # and the page redraws its run panel
    assert '<progress max="100" aria-label="Overall progress"></progress>' in page


def test_without_javascript_get_results_goes_back_to_the_page(client, manager):
    configure("http://127.0.0.1:9/")
    client.force_login(manager)
    response = client.post(reverse("bksb:get_results"))
    assert response.status_code == 302
    assert response["Location"] == reverse("bksb:management")
    page = client.get(response["Location"]).content.decode()
    assert "Get Results started for every eligible learner." in page
    assert '<meta http-equiv="refresh"' in page


def test_a_second_get_results_shows_the_run_in_progress(client, manager, tutor):
    configure("http://127.0.0.1:9/")
    running = _running(started_by=tutor, learners_total=5, learners_done=1)
    client.force_login(manager)
    page = client.post(reverse("bksb:get_results"), **HTMX).content.decode()
    assert Run.objects.filter(kind=Run.Kind.GET_RESULTS).count() == 1
    assert "Get Results was already running" in page
    assert "started by tutor1" in page
    assert reverse("jobs:status", args=["run", running.pk]) in page
    response = client.post(reverse("bksb:get_results"), follow=True)
    assert "Get Results is already running: this is its progress." in response.content.decode()


def test_get_results_is_refused_while_the_integration_is_off(client, manager):
    client.force_login(manager)
    page = client.post(reverse("bksb:get_results"), **HTMX).content.decode()
    assert "The bksb integration is not enabled: switch on Integration Enabled" in page
    assert not Run.objects.exists()


# -- the status window --------------------------------------------------------------------------


def test_the_window_lists_failures_with_reasons_and_links_to_the_learners(client, manager):
    running = _running(learners_total=30, learners_done=25, learners_failed=22)
    for n in range(22):
        learner = LearnerFactory(first_name=f"Failed{n:02d}")
        RunLearner.objects.create(
            run=running,
            learner=learner,
            status=RunLearner.Status.FAILED,
            error=f"bksb has no user called “x{n}”",
            finished_at=timezone.now() + dt.timedelta(seconds=n),
        )
    client.force_login(manager)
    page = client.get(reverse("jobs:status", args=["run", running.pk]), **HTMX).content.decode()
    assert "Failures (latest 20 of 22)" in page
    assert "bksb has no user called “x21”" in page  # newest first
    assert "x0”" not in page
    newest = RunLearner.objects.get(error__endswith="x21”")
    assert reverse("learners:detail", args=[newest.learner_id]) in page
    assert "See all 22 failures" in page


def test_the_window_says_how_many_were_skipped_and_why(client, manager):
    running = _running(learners_skipped=3, skipped_reasons={"archived": 2, "applicant": 1})
    client.force_login(manager)
    page = client.get(reverse("jobs:status", args=["run", running.pk]), **HTMX).content.decode()
    assert "Skipped: 3" in page
    assert "2 · System status is not Live" in page
    assert "1 · Applicants are excluded in the bksb settings" in page


def test_the_time_left_rests_on_the_requests_still_to_make_and_the_budget(client, manager):
    began = timezone.now() - dt.timedelta(minutes=2)
    # Before a few learners are done: what a later download costs (two requests), at the budget's rate.
    early = _running(learners_total=100, learners_done=2, started_at=began)
    assert (
        time_left_text(early, timezone.now(), rate=1) == "about 3 min left (about 196 requests to bksb at 1 a second)"
    )
    # Then this run's own cost per learner, and never shorter than its pace so far.
    later = _running(learners_total=100, learners_done=20, requests_made=100, started_at=began)
    assert (
        time_left_text(later, timezone.now(), rate=10) == "about 8 min left (about 400 requests to bksb at 10 a second)"
    )
    slow_budget = time_left_text(later, timezone.now(), rate=0.5)
    assert slow_budget == "about 13 min left (about 400 requests to bksb at 0.5 a second)"
    nearly = _running(learners_total=100, learners_done=99, requests_made=198, started_at=began)
    assert time_left_text(nearly, timezone.now(), rate=10).startswith("less than a minute left")
    client.force_login(manager)
    page = client.get(reverse("jobs:status", args=["run", later.pk]), **HTMX).content.decode()
    assert "about 400 requests to bksb at" in page


def test_a_run_without_progress_for_minutes_says_so(client, manager):
    quiet = _running(heartbeat_at=timezone.now() - dt.timedelta(minutes=6))
    client.force_login(manager)
    page = client.get(reverse("jobs:status", args=["run", quiet.pk]), **HTMX).content.decode()
    assert "No learner has finished for a few minutes" in page
    assert "hx-trigger" in page  # still watching: the sweeper resumes it


# -- history ------------------------------------------------------------------------------------


def _history_runs(manager, tutor) -> list[Run]:
    base = timezone.now() - dt.timedelta(days=1)
    runs = [
        Run(kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.SCHEDULED, status=Run.Status.SUCCEEDED),
        Run(kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.MANUAL, started_by=manager, status=Run.Status.PARTIAL),
        Run(kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.COMMAND, status=Run.Status.FAILED),
        Run(kind=Run.Kind.BKSB_RESULTS, trigger=Run.Trigger.MANUAL, started_by=tutor, status=Run.Status.SUCCEEDED),
    ]
    for n, run in enumerate(runs):
        run.save()
        when = base + dt.timedelta(hours=n)
        Run.objects.filter(pk=run.pk).update(created_at=when, finished_at=when + dt.timedelta(minutes=3, seconds=5))
    RunLearner.objects.create(run=runs[3], learner=LearnerFactory(first_name="Solo", last_name="Learner"))
    return runs


def test_history_lists_every_run_newest_first_with_who_started_it(client, manager, tutor):
    runs = _history_runs(manager, tutor)
    client.force_login(manager)
    page = client.get(reverse("bksb:history")).content.decode()
    positions = [page.index(reverse("bksb:run_detail", args=[run.pk])) for run in reversed(runs)]
    assert positions == sorted(positions)
    for text in ("Schedule", "manager1", "Command line", "tutor1", "Single learner: Solo Learner", "3 min 5 s"):
        assert text in page
    assert "Finished with failures" in page


def test_history_filters_by_kind(client, manager, tutor):
    runs = _history_runs(manager, tutor)
    client.force_login(manager)
    page = client.get(reverse("bksb:history"), {"kind": "single"}).content.decode()
    assert reverse("bksb:run_detail", args=[runs[3].pk]) in page
    assert reverse("bksb:run_detail", args=[runs[0].pk]) not in page


def test_history_reads_runs_without_a_query_per_row(client, manager, tutor, django_assert_max_num_queries):
    _history_runs(manager, tutor)
    client.force_login(manager)
    # 9, and the time left of the live runs: the request budget's rate (the settings row, made on this first
    # read: 4), and their first downloads (one query).
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("bksb:history"))
    for _ in range(20):
        Run.objects.create(kind=Run.Kind.BKSB_RESULTS, started_by=tutor, status=Run.Status.SUCCEEDED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("bksb:history"))


def test_history_pages_through_many_runs(client, manager):
    Run.objects.bulk_create([Run(kind=Run.Kind.GET_RESULTS, status=Run.Status.SUCCEEDED) for _ in range(30)])
    client.force_login(manager)
    page = client.get(reverse("bksb:history")).content.decode()
    assert "30 runs · page 1 of 2" in page
    assert "?page=2" in page


def test_a_run_s_page_shows_its_counts_and_failed_learners(client, manager):
    done = Run.objects.create(
        kind=Run.Kind.GET_RESULTS,
        status=Run.Status.PARTIAL,
        finished_at=timezone.now(),
        started_by=manager,
        learners_total=60,
        learners_done=60,
        learners_failed=55,
        results_created=123,
        results_updated=7,
        requests_made=321,
    )
    failed = [LearnerFactory(last_name=f"Zz{n:02d}") for n in range(55)]
    RunLearner.objects.bulk_create(
        RunLearner(run=done, learner=learner, status=RunLearner.Status.FAILED, error="bksb refused the request")
        for learner in failed
    )
    client.force_login(manager)
    page = client.get(reverse("bksb:run_detail", args=[done.pk])).content.decode()
    assert "<dt>New results</dt><dd>123</dd>" in page
    assert "<dt>Learners</dt><dd>60 of 60 learners finished: 5 downloaded, 55 failed</dd>" in page
    assert "<dt>Requests to bksb</dt><dd>321</dd>" in page
    assert reverse("learners:detail", args=[failed[0].pk]) in page
    assert reverse("learners:detail", args=[failed[54].pk]) not in page
    assert "55 failed learners · page 1 of 2" in page
    second = client.get(reverse("bksb:run_detail", args=[done.pk]), {"page": 2}).content.decode()
    assert reverse("learners:detail", args=[failed[54].pk]) in second
