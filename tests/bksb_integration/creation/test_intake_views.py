"""Create bksb users for an intake, on the web: the choice of invite before starting, the selection carried
through it, the unmatched report's records, and nothing started while bksb is not ready."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from bksb_integration.creation import users_job as create_users
from bksb_integration.models import BksbLink
from jobs.models import Job
from tests.factories import LearnerFactory
from tests.support import configure, looked_for_in_bksb

pytestmark = pytest.mark.django_db
CREATE = "/learners/bksb/create-users/"


@pytest.fixture
def creator(staff_with):
    return staff_with("view_learners", "bksb_module", "create_bksb_user", "get_all_bksb_results", username="creator")


def test_the_button_asks_about_invites_first_and_carries_the_selection(client, creator, integration, bksb):
    picked = [LearnerFactory().pk for _ in range(3)]
    client.force_login(creator)

    answer = client.post(CREATE, {"learner": picked}, HTTP_HX_REQUEST="true")

    page = answer.content.decode()
    assert '<dialog data-open-modal id="intake-choice"' in page
    assert "<strong>3</strong> records selected" in page
    assert "Send each new bksb user an invite" in page
    assert "Auto Enrol on Courses is <strong>off</strong>" in page
    for pk in picked:
        assert f'<input type="hidden" name="learner" value="{pk}">' in page
    assert not Job.objects.exists()
    assert bksb.calls == []


def test_start_with_invites_creates_and_invites_each_record(
    client, creator, integration, bksb, django_capture_on_commit_callbacks
):
    picked = [LearnerFactory().pk for _ in range(2)]
    client.force_login(creator)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(CREATE, {"learner": picked, "start": "1", "invite": "on"}, HTTP_HX_REQUEST="true")

    assert '<dialog data-open-modal id="job-window"' in answer.content.decode()
    job = Job.objects.get()
    assert job.params == {"invite": True, "auto_login_link": False, "automatic": False}
    window = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert window.count("Created and invited") >= 2
    assert len(mail.outbox) == 2


def test_without_javascript_the_choice_is_a_page_of_its_own(client, creator, integration, bksb):
    client.force_login(creator)

    answer = client.post(CREATE, {"learner": [LearnerFactory().pk]})

    assert answer.status_code == 200
    assert "<h1>Create bksb users</h1>" in answer.content.decode()


def test_the_unmatched_report_creates_users_for_its_records_with_none(
    client, creator, integration, bksb, django_capture_on_commit_callbacks
):
    new = LearnerFactory(learner_ref="L000301")
    LearnerFactory(learner_ref="L000302", system_status="archived")  # not eligible: not on the report
    looked_for_in_bksb(new)
    client.force_login(creator)

    choice = client.post(CREATE, {"scope": "unmatched"}, HTTP_HX_REQUEST="true").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, {"scope": "unmatched", "start": "1"}, HTTP_HX_REQUEST="true")

    assert "<strong>1</strong> record selected" in choice
    assert '<input type="hidden" name="scope" value="unmatched">' in choice
    assert list(Job.objects.get(kind=create_users.KIND).items.values_list("subject_id", flat=True)) == [new.pk]
    assert [dict(form)["Lastname"] for form in bksb.creates] == [new.last_name]


def test_nothing_starts_while_bksb_is_not_ready(client, creator, db):
    configure(enabled=False)
    client.force_login(creator)

    answer = client.post(CREATE, {"learner": [LearnerFactory().pk], "start": "1"}, HTTP_HX_REQUEST="true")

    assert answer["HX-Redirect"] == "/learners/"
    assert not Job.objects.exists()


def test_nothing_selected_is_said_and_starts_nothing(client, creator, integration, bksb):
    client.force_login(creator)

    answer = client.post(CREATE, {"start": "1"}, follow=True)

    assert "Select the learners or applicants to create bksb users for." in answer.content.decode()
    assert not Job.objects.exists()


def test_staff_without_create_bksb_user_cannot_start_it(client, tutor, integration, bksb):
    client.force_login(tutor)
    assert client.post(CREATE, {"learner": [LearnerFactory().pk], "start": "1"}).status_code == 403
    assert not Job.objects.exists()


def test_all_matching_the_filter_is_carried_through_the_choice(
    client, creator, integration, bksb, django_capture_on_commit_callbacks
):
    intake = [LearnerFactory(last_name="Intake").pk for _ in range(4)]
    LearnerFactory(last_name="Elsewhere")
    client.force_login(creator)

    choice = client.post(CREATE, {"scope": "all_matching", "q": "intake"}, HTTP_HX_REQUEST="true").content.decode()
    carried = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', choice))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, {**carried, "start": "1"}, HTTP_HX_REQUEST="true")

    assert "<strong>4</strong> records selected" in choice
    assert (carried["scope"], carried["q"]) == ("all_matching", "intake")
    assert sorted(Job.objects.get().items.values_list("subject_id", flat=True)) == sorted(intake)


def test_the_choice_says_how_many_already_have_a_bksb_user(client, creator, integration, bksb):
    linked = LearnerFactory(bksb_user=True, bksb_username="has.one")
    BksbLink.objects.create(learner=linked, bksb_user_id=42, resolved_username="has.one")
    client.force_login(creator)

    answer = client.post(CREATE, {"learner": [linked.pk, LearnerFactory().pk]}, HTTP_HX_REQUEST="true")

    assert "1 already has a bksb user and will be left as it is." in answer.content.decode()


def test_any_number_of_records_is_queued_in_name_order(integration, bksb, monkeypatch):
    monkeypatch.setattr(create_users, "IDS_PER_QUERY", 2)  # as if the intake held more ids than a query may
    learners = [LearnerFactory(last_name=name) for name in ("Evans", "Adams", "Davies", "Baker", "Clarke")]

    job = create_users.bksb_users_create_start(learner_ids=[x.pk for x in learners], started_by=None)

    names = {x.pk: x.last_name for x in learners}
    assert [names[pk] for pk in job.items.order_by("position").values_list("subject_id", flat=True)] == [
        "Adams",
        "Baker",
        "Clarke",
        "Davies",
        "Evans",
    ]


def test_a_second_create_bksb_users_job_waits_for_the_first(client, creator, integration, bksb, monkeypatch):
    monkeypatch.setattr("jobs.queue.job_run_queue", lambda job_id: None)  # the first stays queued
    picked = [LearnerFactory().pk for _ in range(3)]
    client.force_login(creator)
    client.post(CREATE, {"learner": picked, "start": "1"}, HTTP_HX_REQUEST="true")
    first = Job.objects.get()

    again = client.post(CREATE, {"scope": "all_matching", "start": "1"}, follow=True).content.decode()

    assert f"Your Create bksb users job {first.pk} (0 of 3 records) is still queued" in again
    assert "each person has one at a time" in again
    assert Job.objects.count() == 1


def test_a_selection_past_the_cap_is_refused_with_the_command_to_run(client, creator, integration, bksb, settings):
    settings.BKSB_SELECTION_MAX_RECORDS = 2
    picked = [LearnerFactory().pk for _ in range(3)]
    client.force_login(creator)

    answer = client.post(CREATE, {"learner": picked, "start": "1"}, follow=True).content.decode()

    assert "You selected 3 records; one Create bksb users job from a screen takes at most 2." in answer
    assert "python manage.py bksb_create_user --all-unlinked" in answer
    assert not Job.objects.exists()
