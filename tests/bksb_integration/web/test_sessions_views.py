"""The BKSB tab's sessions, skills profile and Watch control; the watch list settings and schedule pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bksb_integration.models import AssessmentSession, BksbSettings, Run, SkillResult, WatchEntry
from bksb_integration.sync.schedule import watch_schedule_get
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & Co'


def _session(learner, session_id: int, *, subject="ENG_NEW", finished: bool = True, days_ago: int = 1):
    now = timezone.now()
    started = now - dt.timedelta(days=days_ago, minutes=30)
    return AssessmentSession.objects.create(
        learner=learner,
        bksb_user_id=2100001,
        course_subject=subject,
        subject="english" if subject == "ENG_NEW" else "maths",
        session_id=session_id,
        assessment_type=1,
        started_at=started,
        completed_at=started + dt.timedelta(minutes=25) if finished else None,
        first_seen_at=now,
        last_seen_at=now,
        skills_read_at=now if finished else None,
    )


def _skill(session, component: str, measurement: str, level: str | None, rank: int | None, *, days_ago: int = 1):
    return SkillResult.objects.create(
        session=session,
        component_name=component,
        ability_measurement=measurement,
        measuring_assessment_name="English Initial Assessment",
        measured_at=timezone.now() - dt.timedelta(days=days_ago),
        level=level,
        level_rank=rank,
        first_seen_at=timezone.now(),
    )


def test_each_session_opens_to_its_components_and_the_profile_shows_the_latest_level(client, tutor):
    learner = LearnerFactory()
    old = _session(learner, 1, days_ago=30)
    _skill(old, "Reading", "Entry 2", "entry_2", 3, days_ago=30)
    _skill(old, "Spelling", "Entry 3", "entry_3", 4, days_ago=30)
    new = _session(learner, 2, days_ago=1)
    _skill(new, "Reading", "Level 1", "level_1", 5)
    _skill(new, HOSTILE, "7.5", None, None)
    _session(learner, 3, subject="MATHS_NEW", finished=False, days_ago=0)
    client.force_login(tutor)

    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()

    assert 'Assessment sessions <span class="muted">(3)</span>' in page
    assert page.count('<details class="session">') == 3
    assert "Not finished" in page
    assert "Components are reported once the session is finished." in page
    # bksb's names are escaped wherever they are shown, in the chart too.
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    profile = page.split('aria-label="English skills profile as a table"')[1].split("</table>")[0]
    assert '<th scope="row">Reading</th><td>Level 1</td>' in profile  # the latest, not the earlier Entry 2
    assert '<th scope="row">Spelling</th><td>Entry 3</td>' in profile
    assert '<svg role="img" aria-label="English skills profile"' in page
    assert "<script" not in page.split('id="bksb-skills-title"')[1].split("</section>")[0]


def test_a_learner_with_no_sessions_is_told_how_to_read_them(client, tutor):
    learner = LearnerFactory()
    client.force_login(tutor)

    page = client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()

    assert "No assessment sessions read yet." in page
    assert "No per-skill results yet." in page


def test_watch_and_stop_watching_by_hand(client, tutor, integration):
    learner = LearnerFactory(bksb_user=True, bksb_username="watched.one")
    client.force_login(tutor)

    watched = client.post(reverse("bksb:watch", args=[learner.pk]), follow=True).content.decode()

    entry = WatchEntry.objects.get(learner=learner)
    assert (entry.reason, entry.added_by, entry.is_watched) == (WatchEntry.Reason.BY_HAND, tutor, True)
    assert "Watching this record: it is polled every 10 minutes between 08:00 and 18:00" in watched
    assert "Stop watching</button>" in watched
    assert "last polled not yet" in watched

    stopped = client.post(reverse("bksb:watch", args=[learner.pk]), {"action": "stop"}, follow=True).content.decode()

    entry.refresh_from_db()
    assert (entry.is_watched, entry.end_reason) == (False, WatchEntry.EndReason.BY_HAND)
    assert "Stopped watching this record" in stopped
    assert ">Watch</button>" in stopped


def test_a_record_that_cannot_be_downloaded_is_not_watched(client, tutor):
    learner = LearnerFactory(bksb_user=False)
    client.force_login(tutor)

    assert ">Watch</button>" not in client.get(reverse("bksb:tab", args=[learner.pk])).content.decode()
    answer = client.post(reverse("bksb:watch", args=[learner.pk]), follow=True).content.decode()

    assert "This record cannot be watched: its results cannot be downloaded." in answer
    assert not WatchEntry.objects.exists()


def test_watch_needs_the_get_bksb_results_right(client, outsider):
    learner = LearnerFactory()
    client.force_login(outsider)

    assert client.post(reverse("bksb:watch", args=[learner.pk])).status_code == 403
    assert not WatchEntry.objects.exists()


def test_bksb_results_with_sessions_asks_for_them(client, tutor, integration):
    from tests.support import linked_learner

    learner = linked_learner("demo.learner0001")
    client.force_login(tutor)

    client.post(reverse("bksb:download", args=[learner.pk]), {"with_sessions": "1"})

    assert Run.objects.get().with_sessions is True


def test_watch_list_settings_are_saved_and_keep_the_schedule_in_step(client, admin_user):
    client.force_login(admin_user)
    url = reverse("bksb:watch_settings")
    assert "Watch list settings" in client.get(url).content.decode()

    answer = client.post(
        url,
        {
            "watch_window_days": "7",
            "watch_interval_minutes": "5",
            "watch_hours_start": "07:30",
            "watch_hours_end": "19:00",
        },
    )

    assert answer.status_code == 302
    settings = BksbSettings.load()
    assert (settings.watch_window_days, settings.watch_interval_minutes) == (7, 5)
    assert (settings.watch_hours_start, settings.watch_hours_end) == (dt.time(7, 30), dt.time(19, 0))
    assert watch_schedule_get().every_minutes == 5


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("watch_window_days", "0", "greater than or equal to 1"),
        ("watch_interval_minutes", "lots", "Enter a whole number"),
        ("watch_hours_end", "08:00", "must differ"),
    ],
)
def test_bad_watch_list_settings_are_refused_and_nothing_is_saved(client, admin_user, field, value, error):
    client.force_login(admin_user)
    data = {"watch_window_days": "14", "watch_interval_minutes": "10", "watch_hours_start": "08:00"}
    data["watch_hours_end"] = "18:00"
    data[field] = value

    answer = client.post(reverse("bksb:watch_settings"), data)

    assert answer.status_code == 400
    assert error in answer.content.decode()
    assert BksbSettings.load().watch_interval_minutes == 10


def test_the_watch_pass_can_be_switched_off_on_the_schedule_page(client, admin_user):
    client.force_login(admin_user)
    assert "a pass every 10 minutes" in client.get(reverse("bksb:schedule")).content.decode()

    client.post(reverse("bksb:watch_schedule"), {"every_minutes": "15"})

    assert (watch_schedule_get().enabled, watch_schedule_get().every_minutes) == (False, 15)
    assert BksbSettings.load().watch_interval_minutes == 15
    section = client.get(reverse("bksb:schedule")).content.decode().split('id="watch-schedule-title"')[1]
    assert "Now: off." in section


def test_watch_list_settings_are_for_admins_only(client, tutor):
    client.force_login(tutor)

    assert client.get(reverse("bksb:watch_settings")).status_code == 403


def test_a_runs_page_shows_what_sessions_cost(client, manager):
    run = Run.objects.create(
        kind=Run.Kind.WATCH,
        trigger=Run.Trigger.SCHEDULED,
        status=Run.Status.SUCCEEDED,
        finished_at=timezone.now(),
        requests_made=9,
        session_requests=4,
        eoa_requests=3,
        sessions_stored=2,
        skills_stored=11,
    )
    client.force_login(manager)

    page = client.get(reverse("bksb:run_detail", args=[run.pk])).content.decode()

    assert "4 session lists, 3 skill reports (2 sessions and 11 skill rows stored)" in page
    assert "Watch list" in page


def test_the_tab_reads_sessions_and_skills_in_constant_queries(client, tutor, django_assert_max_num_queries):
    learner = LearnerFactory()
    _skill(_session(learner, 1), "Reading", "Entry 3", "entry_3", 4)
    client.force_login(tutor)
    url = reverse("bksb:tab", args=[learner.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for number in range(2, 40):
        session = _session(learner, number, subject="MATHS_NEW" if number % 2 else "ENG_NEW", days_ago=number)
        for component in ("Whole Numbers", "Measures", "Handling Data"):
            _skill(session, component, "Level 1", "level_1", 5, days_ago=number)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()

    assert page.count('<details class="session">') == 39
