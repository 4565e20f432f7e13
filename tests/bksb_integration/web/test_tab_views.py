"""The BKSB tab as staff see it: results, summary, the BKSB Results window, Re-download all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import (
    BksbLink,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    Run,
    RunLearner,
)
from bksb_integration.sync.runs import bksb_results_start
from tests.factories import LearnerFactory
from tests.fakes import URL
from tests.support import MULTI_PAGE_USER, configure, last_download, linked_learner, remote_counts

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox(page_cap=10, switched_on=True, fast_clients=True)]

HX = {"HX-Request": "true"}


def _row(model, learner, *, session, when, result="Maths Entry 3", subject="maths", level="entry_3", rank=4, **extra):
    now = timezone.now()
    return model.objects.create(
        learner=learner,
        bksb_user_id=extra.pop("bksb_user_id", 2100001),
        session_id=session,
        assessment_id=extra.pop("assessment_id", 50000),
        course_subject=extra.pop("course_subject", "MATHS_NEW"),
        assessment_name=extra.pop("assessment_name", "Maths Initial Assessment"),
        result=result,
        result_date=when,
        subject=subject,
        level=level,
        level_rank=rank,
        first_seen_at=now,
        last_changed_at=now,
        **extra,
    )


def test_bksb_results_opens_the_window_which_ends_with_the_outcome_and_close(
    client, tutor, sandbox, django_capture_on_commit_callbacks
):
    learner = linked_learner(MULTI_PAGE_USER)
    client.force_login(tutor)

    with django_capture_on_commit_callbacks(execute=True):
        window = client.post(reverse("bksb:download", args=[learner.pk]), headers=HX)
    # The test's transaction defers the task until here; the window then polls the status.
    assert window.status_code == 200
    assert "<dialog data-open-modal" in window.content.decode()
    assert "data-close-dialog>Close</button>" in window.content.decode()
    run = Run.objects.get()
    assert reverse("jobs:status", args=["run", run.pk]) in window.content.decode()

    response = client.get(reverse("jobs:status", args=["run", run.pk]), headers=HX)

    page = response.content.decode()
    assert "Finished." in page
    assert 'hx-trigger="every' not in page  # a finished run is not polled
    assert response["HX-Trigger"] == "bksbResultsChanged"
    total = sum(remote_counts(sandbox, MULTI_PAGE_USER).values())
    run.refresh_from_db()
    assert (run.status, run.results_created) == ("succeeded", total)
    assert f"<strong>{total}</strong><span>new</span>" in page


def test_results_show_on_the_tab_with_the_summary(client, tutor, sandbox, django_capture_on_commit_callbacks):
    learner = linked_learner(MULTI_PAGE_USER)
    client.force_login(tutor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bksb:download", args=[learner.pk]), headers=HX)

    url = reverse("bksb:tab_results", args=[learner.pk]) + "?all=initial&all=diagnostic"
    section = client.get(url, headers=HX).content.decode()

    assert 'hx-trigger="bksbResultsChanged from:body"' in section
    assert "Levels by subject" in section
    assert section.count("<tr>") > InitialAssessmentResult.objects.filter(learner=learner).count()
    assert "Succeeded" in section


def test_without_javascript_the_button_leads_to_a_self_refreshing_status_page(client, tutor):
    configure(URL)
    learner = linked_learner(MULTI_PAGE_USER)
    client.force_login(tutor)
    # No worker picks it up here (callbacks are not run): the page keeps refreshing.
    response = client.post(reverse("bksb:download", args=[learner.pk]))
    run = Run.objects.get()
    assert response["Location"] == reverse("jobs:status", args=["run", run.pk])

    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Queued" in page
    assert "Back to the BKSB tab" in page


def test_the_window_polls_a_running_download_and_shows_its_stage(client, tutor):
    learner = linked_learner(MULTI_PAGE_USER)
    run, _ = bksb_results_start(learner=learner, started_by=None, queue=False)
    RunLearner.objects.filter(run=run).update(status="running", claimed_at=timezone.now())
    Run.objects.filter(pk=run.pk).update(
        status="running", stage="reading", progress_list="initial", progress_page=2, progress_pages=4
    )
    client.force_login(tutor)

    response = client.get(reverse("jobs:status", args=["run", run.pk]), headers=HX)

    page = response.content.decode()
    assert "Initial assessments page 2 of 4" in page
    assert 'hx-trigger="every 1s"' in page  # the one polling interval of every window
    assert '<progress max="100" value="30"' in page
    assert "Closing this window does not stop the download." in page
    assert "HX-Trigger" not in response


def test_a_second_click_attaches_to_the_running_download(client, tutor):
    configure(URL)
    learner = linked_learner(MULTI_PAGE_USER)
    first, _ = bksb_results_start(learner=learner, started_by=None, queue=False)
    RunLearner.objects.filter(run=first).update(status="running", claimed_at=timezone.now())
    client.force_login(tutor)

    response = client.post(reverse("bksb:download", args=[learner.pk]), headers=HX)

    assert Run.objects.count() == 1
    assert "already running" in response.content.decode()
    assert reverse("jobs:status", args=["run", first.pk]) in response.content.decode()


def test_a_download_whose_worker_stopped_is_reported_as_stalled(client, tutor):
    learner = linked_learner(MULTI_PAGE_USER)
    run, _ = bksb_results_start(learner=learner, started_by=None, queue=False)
    RunLearner.objects.filter(run=run).update(status="running", claimed_at=timezone.now() - dt.timedelta(minutes=5))
    client.force_login(tutor)

    page = client.get(reverse("jobs:status", args=["run", run.pk]), headers=HX).content.decode()

    assert "stopped reporting progress" in page
    assert 'hx-trigger="every' not in page


def test_a_failed_download_says_what_happened_in_the_window_and_on_the_tab(
    client, tutor, sandbox, django_capture_on_commit_callbacks
):
    learner = linked_learner(MULTI_PAGE_USER)
    configure(sandbox.url, secret="wrong")
    client.force_login(tutor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bksb:download", args=[learner.pk]), headers=HX)
    window = client.get(reverse("jobs:status", args=["run", Run.objects.get().pk]), headers=HX).content.decode()

    assert "The download failed." in window
    assert "bksb refused the key (HTTP 401)" in window
    tab = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert "Failed" in tab
    assert "bksb refused the key (HTTP 401)" in tab


def test_summary_shows_latest_and_highest_per_subject_across_assessment_ids_and_lists(client, tutor):
    learner = linked_learner("demo.learner0001")
    day = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    _row(InitialAssessmentResult, learner, session=1, when=day, result="Maths Level 1", level="level_1", rank=5)
    _row(
        DiagnosticAssessmentResult,
        learner,
        session=2,
        when=day + dt.timedelta(days=30),
        result="Entry 3",
        assessment_id=40000,
        assessment_name="Maths Diagnostic",
        percent_score=55,
    )
    _row(
        InitialAssessmentResult,
        learner,
        session=3,
        when=day + dt.timedelta(days=60),
        result="??",
        level=None,
        rank=None,
    )
    # As a download leaves it: the record linked to the results' bksb user, its levels summary kept.
    BksbLink.objects.update_or_create(learner=learner, defaults={"bksb_user_id": 2100001})
    levels_refresh(learner_ids=[learner.pk], reason="test")
    client.force_login(tutor)

    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()

    maths = page[page.index('<th scope="row">Maths</th>') :].split("</tr>")[0]
    latest, highest = maths.split("<td>")[1:3]
    for text in ("Entry 3", "31 Mar 2026", "Diagnostic"):
        assert text in latest
    for text in ("Level 1", "1 Mar 2026", "Initial assessment"):
        assert text in highest
    english = page[page.index('<th scope="row">English</th>') :].split("</tr>")[0]
    assert "No result" in english
    assert 'title="No row of the Levels table maps this result text.' in page
    assert ">unmapped<" in page
    assert ">55<" in page


def test_levels_by_subject_read_the_summary_so_a_previous_bksb_users_results_do_not_count(client, tutor):
    """The tab gives the Hub's and the list's answer: results kept from an earlier BKSB Username are listed, not
    summarised."""
    learner = linked_learner("demo.learner0001")
    day = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    _row(
        InitialAssessmentResult,
        learner,
        session=1,
        when=day,
        result="Maths Level 2",
        level="level_2",
        rank=6,
        bksb_user_id=2100009,
    )
    _row(InitialAssessmentResult, learner, session=2, when=day, result="Maths Entry 2", level="entry_2", rank=3)
    BksbLink.objects.update_or_create(learner=learner, defaults={"bksb_user_id": 2100001})
    levels_refresh(learner_ids=[learner.pk], reason="test")
    client.force_login(tutor)

    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()

    maths = page[page.index('<th scope="row">Maths</th>') :].split("</tr>")[0]
    latest, highest = maths.split("<td>")[1:3]
    assert "Entry 2" in latest
    assert "Entry 2" in highest
    assert "Maths Level 2" in page  # still listed with its bksb user


def test_results_from_two_bksb_users_are_marked_with_their_user(client, tutor):
    learner = linked_learner("demo.learner0001")
    now = timezone.now()
    _row(InitialAssessmentResult, learner, session=1, when=now, bksb_user_id=2100001)
    _row(InitialAssessmentResult, learner, session=2, when=now, bksb_user_id=2100002)
    client.force_login(tutor)

    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()

    assert ">bksb user</th>" in page
    assert ">2100002<" in page


def test_one_bksb_user_needs_no_user_column(client, tutor):
    learner = linked_learner("demo.learner0001")
    _row(InitialAssessmentResult, learner, session=1, when=timezone.now())
    client.force_login(tutor)
    assert ">bksb user</th>" not in client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()


def test_html_from_bksb_is_escaped(client, tutor):
    learner = linked_learner("demo.learner0001")
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _row(InitialAssessmentResult, learner, session=1, when=timezone.now(), result=evil, assessment_name=evil)
    BksbLink.objects.create(learner=learner, last_outcome="failed", last_message=evil, last_outcome_at=timezone.now())
    client.force_login(tutor)

    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_tab_says_which_username_is_in_effect_and_where_it_came_from(client, tutor):
    learner = linked_learner("demo.learner0001")
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert 'demo.learner0001 <span class="muted">(from the web user account)</span>' in page
    assert "Never (the next download reads every page)" in page


def test_re_download_all_clears_the_last_download_time(client, manager):
    learner = linked_learner("demo.learner0001")
    learner.web_user.bksb_updated = timezone.now()
    learner.web_user.save()
    client.force_login(manager)

    response = client.post(reverse("bksb:reset", args=[learner.pk]), follow=True)

    assert last_download(learner) is None
    assert "the next download reads every page again" in response.content.decode()
    assert "data-confirm=" in client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()


def test_tab_queries_stay_constant_with_200_results(client, tutor, django_assert_max_num_queries):
    learner = linked_learner("demo.learner0001")
    when = timezone.now()
    for n in range(100):
        _row(InitialAssessmentResult, learner, session=n, when=when - dt.timedelta(days=n))
        _row(DiagnosticAssessmentResult, learner, session=n, when=when - dt.timedelta(days=n), percent_score=n)
    client.force_login(tutor)
    url = reverse("bksb:tab", args=[learner.pk]) + "?all=initial&all=diagnostic"
    client.get(url)

    # 15, and one more: the tags and funding flags read the summary, the tags and the thresholds (3 queries);
    # the latest evidence pack's fingerprint (1 query); and the flags read the record's aims (1 query, the aim
    # mapping too when it has any); the English and maths decision history (the flags read the latest from it)
    # and the judgements (2 queries).
    with django_assert_max_num_queries(20):
        response = client.get(url)

    assert response.content.decode().count("Maths Entry 3") == 200


def test_a_closed_window_follows_the_run_unseen_until_it_ends(client, tutor):
    learner = linked_learner(MULTI_PAGE_USER)
    run, _ = bksb_results_start(learner=learner, started_by=None, queue=False)
    RunLearner.objects.filter(run=run).update(status="running", claimed_at=timezone.now())
    client.force_login(tutor)
    url = reverse("jobs:status", args=["run", run.pk]) + "?closed=1"

    section = client.get(reverse("bksb:tab_results", args=[learner.pk]), headers=HX).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 2s"' in section

    running = client.get(url, headers=HX)
    assert '<div id="bksb-run-follower" hidden hx-get=' in running.content.decode()
    assert "<dialog" not in running.content.decode()

    Run.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now())
    finished = client.get(url, headers=HX)
    assert finished.content.decode().strip() == '<div id="bksb-run-follower" hidden></div>'
    assert finished["HX-Trigger"] == "bksbResultsChanged"


# -- when BKSB Results can work ------------------------------------------------------------------

BUTTON = '<button type="submit" class="btn btn-primary">BKSB Results</button>'


def test_bksb_results_is_offered_to_a_bksb_user_with_a_username(client, tutor):
    configure(URL)
    learner = linked_learner(MULTI_PAGE_USER)
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert BUTTON in page
    assert "cannot download" not in page


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"bksb_user": False}, "This record is not a BKSB User: tick BKSB User and Apply."),
        (
            {"bksb_user": True, "bksb_username": ""},
            "This record has no web user account and no BKSB Username: enter its BKSB Username and Apply.",
        ),
    ],
)
def test_bksb_results_is_not_offered_where_it_can_only_fail(client, manager, fields, reason):
    configure(URL)
    learner = LearnerFactory(**fields)
    client.force_login(manager)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert BUTTON not in page
    assert "BKSB Results cannot download for this record." in page
    assert reason in page
    assert '<a href="#bksb-link">Change it in Link to bksb</a>' in page
    assert 'id="bksb-link"' in page


def test_a_tutor_is_told_who_can_change_the_link(client, tutor):
    configure(URL)
    learner = LearnerFactory(bksb_user=False)
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert "Someone with Edit BKSB Link can change it in" in page


def test_bksb_results_says_why_when_the_integration_is_off(client, tutor):
    configure(URL, enabled=False)
    learner = linked_learner(MULTI_PAGE_USER)
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    assert BUTTON not in page
    assert "The bksb integration is not enabled" in page


def test_a_download_that_can_only_fail_is_refused_and_starts_no_run(client, tutor):
    configure(URL)
    learner = LearnerFactory(bksb_user=False)
    client.force_login(tutor)
    window = client.post(reverse("bksb:download", args=[learner.pk]), headers=HX).content.decode()
    assert "This record is not a BKSB User" in window
    response = client.post(reverse("bksb:download", args=[learner.pk]), follow=True)
    assert "This record is not a BKSB User" in response.content.decode()
    assert not Run.objects.exists()


def test_apply_redraws_the_actions_so_bksb_results_appears(client, manager, sandbox):
    learner = LearnerFactory(bksb_user=False)
    client.force_login(manager)
    data = {"bksb_user": "on", "bksb_username": MULTI_PAGE_USER}
    answer = client.post(reverse("bksb:link", args=[learner.pk]), data, headers=HX).content.decode()
    assert 'id="bksb-actions" aria-labelledby="bksb-actions-title" hx-swap-oob="true"' in answer
    assert BUTTON in answer


# -- long result lists ----------------------------------------------------------------------------


@pytest.fixture
def many_results():
    learner = linked_learner("demo.learner0001")
    when = timezone.now()
    InitialAssessmentResult.objects.bulk_create(
        _unsaved(InitialAssessmentResult, learner, n, when - dt.timedelta(days=n)) for n in range(130)
    )
    DiagnosticAssessmentResult.objects.bulk_create(
        _unsaved(DiagnosticAssessmentResult, learner, n, when - dt.timedelta(days=n)) for n in range(120)
    )
    return learner


def _unsaved(model, learner, session, when):
    now = timezone.now()
    return model(
        learner=learner,
        bksb_user_id=2100001,
        session_id=session,
        assessment_id=50000,
        course_subject="MATHS_NEW",
        assessment_name=f"Assessment {session}",
        result="Maths Entry 3",
        result_date=when,
        subject="maths",
        level="entry_3",
        level_rank=4,
        first_seen_at=now,
        last_changed_at=now,
    )


def _rows(page: str, table_id: str) -> int:
    body = page.split(f'<table class="table" id="{table_id}">')[1].split("</tbody>")[0]
    return body.count("<tr>") - 1  # less the header row


def test_a_long_result_list_shows_its_newest_20_and_offers_the_rest(client, tutor, many_results):
    client.force_login(tutor)
    tab = reverse("bksb:tab", args=[many_results.pk])
    page = client.get(tab).content.decode()
    assert (_rows(page, "bksb-initial"), _rows(page, "bksb-diagnostic")) == (20, 20)
    assert "Assessment 0<" in page
    assert "Assessment 20<" not in page
    assert "The newest 20 of 130 are shown." in page
    assert f'<a href="{tab}?all=initial#bksb-initial-title">Show all 130 initial assessment results</a>' in page
    assert f'<a href="{tab}?all=diagnostic#bksb-diagnostic-title">Show all 120 diagnostic results</a>' in page


def test_each_table_is_one_link_away_from_the_top(client, tutor, many_results):
    client.force_login(tutor)
    page = client.get(reverse("bksb:tab", args=[many_results.pk])).content.decode()
    jumps = page.split('<nav class="card jumps" aria-label="Results on this tab">')[1].split("</nav>")[0]
    assert '<a href="#bksb-summary-title">Levels by subject</a>' in jumps
    assert '<a href="#bksb-initial-title">Initial assessment results (130)</a>' in jumps
    assert '<a href="#bksb-diagnostic-title">Diagnostic results (120)</a>' in jumps
    assert page.index("Results on this tab") < page.index('id="bksb-summary-title"')


def test_show_all_shows_one_list_whole_and_keeps_it_when_the_section_refreshes(client, tutor, many_results):
    client.force_login(tutor)
    tab = reverse("bksb:tab", args=[many_results.pk])
    page = client.get(tab, {"all": "initial"}).content.decode()
    assert (_rows(page, "bksb-initial"), _rows(page, "bksb-diagnostic")) == (130, 20)
    assert f'<a href="{tab}#bksb-initial-title">Show only the newest 20</a>' in page
    assert f'<a href="{tab}?all=initial&amp;all=diagnostic#bksb-diagnostic-title">Show all 120' in page
    assert f'hx-get="{reverse("bksb:tab_results", args=[many_results.pk])}?all=initial"' in page
    section = client.get(reverse("bksb:tab_results", args=[many_results.pk]), {"all": "initial"}, headers=HX)
    assert _rows(section.content.decode(), "bksb-initial") == 130
