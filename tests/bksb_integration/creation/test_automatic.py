"""Creating bksb users automatically, when an admin switches it on: after each import and each night, new
eligible records get a bksb user (and optionally an invite) through the same job and rules; off by default."""

from __future__ import annotations

import pytest
from django.core import mail

from bksb_integration.creation.users_job import LABELS
from bksb_integration.models import BksbSettings, Run, UserCreationRequest
from bksb_integration.tasks import get_results_nightly_task
from jobs.models import Job
from learners.models import Learner
from tests.factories import LearnerFactory
from tests.support import csv_file, row, run

pytestmark = pytest.mark.django_db


def _switch_on(*, invite: bool = False) -> None:
    settings = BksbSettings.load()
    settings.auto_create_users, settings.auto_create_invite = True, invite
    settings.save()


def _import(tmp_path, capture, *rows) -> None:
    with capture(execute=True):
        run(csv_file(tmp_path, list(rows)))


def test_it_is_off_by_default_and_an_import_creates_nobody(
    integration, bksb, tmp_path, django_capture_on_commit_callbacks
):
    assert BksbSettings.load().auto_create_users is False

    _import(tmp_path, django_capture_on_commit_callbacks, row("L000601"))

    assert not Job.objects.exists()
    assert bksb.creates == []


def test_new_eligible_records_of_an_import_get_bksb_users_and_invites(
    integration, bksb, tmp_path, django_capture_on_commit_callbacks
):
    _switch_on(invite=True)

    _import(
        tmp_path,
        django_capture_on_commit_callbacks,
        row("L000611", last_name="Adams"),
        row("L000612", last_name="Baker"),
        row("L000613", last_name="Archived", system_status="archived"),
        row("L000614", last_name="Linked", bksb_user="yes", bksb_username="linked.one"),
    )

    job = Job.objects.get()
    assert (job.params["automatic"], job.started_by, job.status) == (True, None, Job.Status.SUCCEEDED)
    assert sorted(job.items.values_list("subject", flat=True)) == ["L000611", "L000612"]
    assert {LABELS[o] for o in job.items.values_list("outcome", flat=True)} == {"Created and invited"}
    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Adams", "Baker"]
    assert len(mail.outbox) == 2


def test_the_summary_page_links_the_last_automatic_run_whose_window_says_automatic(
    client, admin_user, integration, bksb, tmp_path, django_capture_on_commit_callbacks
):
    _switch_on()
    _import(tmp_path, django_capture_on_commit_callbacks, row("L000615", last_name="Fisher"))
    job = Job.objects.get()
    client.force_login(admin_user)

    summary = client.get("/integrations/bksb/").content.decode()
    window = client.get(f"/jobs/{job.pk}/").content.decode()

    assert f'Last automatic run: <a href="/jobs/{job.pk}/">' in summary
    assert "finished: 1 record: 1 created." in summary
    assert "Started by Automatic" in window


def test_records_already_tried_wait_for_a_person_and_nobody_is_created_twice(
    integration, bksb, tmp_path, django_capture_on_commit_callbacks
):
    _switch_on()
    taken = LearnerFactory(bksb_username="taken.name", learner_ref="L000621")
    bksb.users["taken.name"] = 70
    _import(tmp_path, django_capture_on_commit_callbacks, row("L000622", last_name="Clarke"))
    left_out = UserCreationRequest.objects.get(learner=taken)
    assert left_out.status == UserCreationRequest.Status.REFUSED
    assert "bksb may know this learner already as taken.name" in left_out.last_error

    _import(tmp_path, django_capture_on_commit_callbacks, row("L000623", last_name="Davies"))

    second = Job.objects.latest("pk")
    assert list(second.items.values_list("subject", flat=True)) == ["L000623"]
    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Clarke", "Davies"]  # the taken name never sent


def test_each_night_new_records_get_users_before_get_results(integration, bksb, django_capture_on_commit_callbacks):
    _switch_on()
    LearnerFactory(last_name="Evans", learner_ref="L000631")

    with django_capture_on_commit_callbacks(execute=True):
        get_results_nightly_task()

    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Evans"]
    assert Learner.objects.get(learner_ref="L000631").bksb_user
    assert Run.objects.filter(kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.SCHEDULED).exists()


def test_nothing_is_started_while_no_default_password_is_set(integration, bksb, django_capture_on_commit_callbacks):
    _switch_on()
    settings = BksbSettings.load()
    settings.default_password = ""
    settings.save()
    LearnerFactory()

    with django_capture_on_commit_callbacks(execute=True):
        get_results_nightly_task()

    assert not Job.objects.exists()


def test_admins_switch_it_on_their_own_settings_page_and_the_summary_shows_it(client, admin_user, manager, integration):
    client.force_login(admin_user)
    page = client.get("/integrations/bksb/automatic-users/").content.decode()
    assert "Create bksb users automatically" in page

    answer = client.post(
        "/integrations/bksb/automatic-users/", {"auto_create_users": "on", "auto_create_invite": "on"}, follow=True
    )

    assert "bksb users will be created automatically after each import and each night." in answer.content.decode()
    settings = BksbSettings.load()
    assert (settings.auto_create_users, settings.auto_create_invite) == (True, True)
    summary = client.get("/integrations/bksb/").content.decode()
    said = "Create bksb users automatically</strong>: On, for new eligible records after each import and each night"
    assert said + ", each with an invite" in summary
    client.force_login(manager)
    assert client.get("/integrations/bksb/automatic-users/").status_code == 403
