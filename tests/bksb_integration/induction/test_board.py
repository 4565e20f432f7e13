"""The Induction board: a cohort by assessment stage, Send invite and Send invite again (a job), and Get Results now
(one run)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from bksb_integration.induction.status_store import assessment_status_rebuild
from bksb_integration.models import AssessmentSession, BksbLink, Invite, Run, WatchEntry
from jobs.models import Job
from tests.factories import LearnerFactory
from tests.support import add_result, configure

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SEPT = dt.date(2026, 9, 7)
COHORT = {"start_from": "2026-09-01", "start_to": "2026-09-30"}
T0 = dt.datetime(2026, 9, 8, 9, 0, tzinfo=dt.UTC)


def _linked(last_name: str, user_id: int, **fields):
    learner = LearnerFactory(last_name=last_name, bksb_user=True, bksb_username=last_name.lower(), **fields)
    BksbLink.objects.create(learner=learner, bksb_user_id=user_id, resolved_at=T0)
    return learner


def _session(learner, subject: str, session_id: int, *, completed=None):
    link = BksbLink.objects.get(learner=learner)
    code = {"english": "ENG_NEW", "maths": "MATHS_NEW"}[subject]
    return AssessmentSession.objects.create(
        learner=learner,
        bksb_user_id=link.bksb_user_id,
        course_subject=code,
        subject=subject,
        session_id=session_id,
        assessment_type=1,
        started_at=T0,
        completed_at=completed,
        first_seen_at=T0,
        last_seen_at=T0,
    )


@pytest.fixture
def cohort(db):
    """Six September starters, one at each stage, and one earlier starter the board leaves out."""
    people = {
        "none": LearnerFactory(last_name="Adams", start_date=SEPT, bksb_user=False),
        "created": _linked("Baker", 501, start_date=SEPT),
        "invited": _linked("Clarke", 502, start_date=SEPT),
        "progress": _linked("Davies", 503, start_date=SEPT),
        "finished": _linked("Evans", 504, start_date=SEPT),
        "in": _linked("Fletcher", 505, start_date=SEPT),
        "last_year": _linked("Green", 506, start_date=dt.date(2025, 9, 1)),
    }
    Invite.objects.create(learner=people["invited"], email="c@example.ac.uk", username="clarke")
    _session(people["progress"], "english", 7001)
    _session(people["finished"], "english", 7002, completed=T0)
    _session(people["finished"], "maths", 7003, completed=T0)
    for subject, code, session_id in (("english", "ENG_NEW", 7004), ("maths", "MATHS_NEW", 7005)):
        add_result(people["in"], bksb_user_id=505, session_id=session_id, subject=subject, course_subject=code)
    WatchEntry.objects.create(
        learner=people["progress"], reason="invited", since=T0, last_polled_at=T0 + dt.timedelta(minutes=10)
    )
    assessment_status_rebuild()  # the facts above are written straight into their tables
    return people


def _board(client, **params):
    return client.get(reverse("bksb:induction_board"), {**COHORT, **params}).content.decode()


def test_the_board_counts_the_cohort_at_each_stage_and_names_them(client, manager, cohort):
    client.force_login(manager)
    page = _board(client)
    assert "6 records in this cohort" in page
    for stage, name in [
        ("No bksb user", "Adams"),
        ("Has a bksb user, not invited", "Baker"),
        ("Invited, not started", "Clarke"),
        ("In progress", "Davies"),
        ("Finished, no result yet", "Evans"),
        ("Results in", "Fletcher"),
    ]:
        column = page.split(f'>{stage} <span class="badge">')[1].split("</section>")[0]
        assert column.startswith("1</span>"), stage
        assert name in column, stage
    assert "Green" not in page  # started last year: not in this cohort
    assert "Watched: last polled 8 Sep 10:10" in page  # UK time (BST)


def test_each_stage_links_to_the_learner_list_filtered_the_same_way(client, manager, cohort):
    client.force_login(manager)
    page = _board(client)
    assert "/learners/?start_from=2026-09-01&amp;start_to=2026-09-30&amp;bksb_status=in_progress" in page


def test_send_invite_goes_to_those_never_invited_only(client, manager, cohort, django_capture_on_commit_callbacks):
    configure()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bksb:induction_invite"), {**COHORT, "to": "not_invited"}, **HTMX)
    assert response.status_code == 200
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    assert [email.to[0] for email in mail.outbox] == [cohort["created"].email]
    assert Invite.objects.filter(learner=cohort["invited"]).count() == 1
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "1 record: 1 sent." in page


def test_send_invite_again_goes_to_those_invited_and_not_started_only(
    client, manager, cohort, django_capture_on_commit_callbacks
):
    configure()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bksb:induction_invite"), {**COHORT, "to": "invited"}, **HTMX)
    assert [email.to[0] for email in mail.outbox] == [cohort["invited"].email]
    assert Invite.objects.filter(learner=cohort["invited"]).count() == 2
    assert not Invite.objects.filter(learner=cohort["created"]).exists()


def test_the_board_offers_again_only_to_those_invited(client, manager, cohort):
    configure()
    client.force_login(manager)
    page = _board(client)
    assert 'name="to" value="not_invited"' in page
    assert ">Send invite</button>" in page
    assert ">Send invite again</button>" in page
    assert "Send invite: to the 1 record with a bksb user never invited." in page
    assert "Send invite again: to the 1 record invited and not started." in page
    Invite.objects.create(learner=cohort["created"], email="b@example.ac.uk", username="baker")
    Invite.objects.filter(learner=cohort["invited"]).delete()
    page = _board(client)
    assert "Send invite: to the 1 record with a bksb user never invited." in page  # Clarke now
    assert "Send invite again: to the 1 record invited and not started." in page  # Baker now


def test_an_invite_post_must_say_which_button(client, manager, cohort):
    configure()
    client.force_login(manager)
    response = client.post(reverse("bksb:induction_invite"), COHORT, follow=True)
    assert "Choose Send invite (never invited) or Send invite again (invited, not started)." in response.text
    assert not Job.objects.exists()
    assert not mail.outbox


def test_send_invite_again_twice_in_a_row_sends_no_second_email(
    client, manager, cohort, django_capture_on_commit_callbacks
):
    configure()
    client.force_login(manager)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("bksb:induction_invite"), {**COHORT, "to": "invited"}, **HTMX)
    assert len(mail.outbox) == 1
    second = Job.objects.order_by("-pk").first()
    assert "1 sent moments ago (not sent twice)" in second.message


def test_get_results_now_starts_one_run_for_those_in_progress_with_their_sessions(client, manager, cohort):
    configure()
    client.force_login(manager)
    response = client.post(reverse("bksb:induction_get_results"), COHORT, **HTMX)
    assert "Get Results for 2 records of the Induction board in progress" in response.content.decode()
    run = Run.objects.get()
    assert run.with_sessions
    assert run.selection["bksb_status"] == ["awaiting_results"]

    from bksb_integration.sync.selection import selection_learners

    assert set(selection_learners(run.selection, run.started_by)) == {cohort["progress"], cohort["finished"]}


def test_a_tutor_cannot_open_the_board_or_act_on_it(client, tutor, cohort):
    client.force_login(tutor)
    assert client.get(reverse("bksb:induction_board")).status_code == 403
    assert client.post(reverse("bksb:induction_invite"), COHORT).status_code == 403
    assert client.post(reverse("bksb:induction_get_results"), COHORT).status_code == 403
    assert not mail.outbox
    assert not Run.objects.exists()


def test_the_board_costs_the_same_queries_for_a_bigger_cohort(client, manager, cohort, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(20) as few:
        _board(client)
    for number in range(30):
        learner = _linked(f"More{number}", 600 + number, start_date=SEPT)
        _session(learner, "maths", 8000 + number)
    assessment_status_rebuild()
    with django_assert_max_num_queries(len(few)):
        page = _board(client)
    assert "36 records in this cohort" in page


def test_the_board_is_empty_but_whole_for_an_empty_cohort(client, manager, cohort):
    client.force_login(manager)
    page = _board(client, start_from="2030-01-01", start_to="2030-01-31")
    assert "0 records in this cohort" in page
    assert page.count("None.") == 6


def test_the_tab_shows_a_row_of_steps_per_subject_in_words(client, admin_user, cohort):
    client.force_login(admin_user)
    page = client.get(reverse("bksb:tab", args=[cohort["progress"].pk])).content.decode()
    assert "English: Started" in page
    assert "Maths: Has a bksb user" in page
    assert 'aria-current="step">Started' in page
    assert "Now, 8 Sep 2026 10:00" in page  # UK time (BST)
    assert "Done, 8 Sep 2026 10:00" in page  # account linked
