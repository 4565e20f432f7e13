"""BKSB | Create user, Send invite, bulk creation and the invite template, as each persona sees them."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bksb_integration.accounts.invites import INVITE_REPEAT_WINDOW
from bksb_integration.models import BksbLink, Invite, UserCreationRequest
from jobs.models import Job
from tests.factories import LearnerFactory
from tests.fakes import PASSWORD, SECRET
from tests.support import configure

pytestmark = pytest.mark.django_db

AUTO_ENROL_TICKED = re.compile(r'<input type="checkbox" name="auto_enrol_courses"[^>]* checked>')
CREATE_RIGHTS = ("bksb_module", "view_learners", "create_bksb_user")


@pytest.fixture
def creator(staff_with):
    return staff_with(*CREATE_RIGHTS, username="creator1")


def _pages(learner) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("bksb:create_user", args=[learner.pk]), {}),
        ("post", reverse("bksb:create_user", args=[learner.pk]), {"username": "akhan1", "email": "a@example.ac.uk"}),
        ("post", reverse("bksb:link_existing", args=[learner.pk]), {"username": "akhan1"}),
        ("get", reverse("bksb:invite", args=[learner.pk]), {}),
        ("post", reverse("bksb:invite", args=[learner.pk]), {}),
        ("post", reverse("bksb:users_create"), {"learner": [learner.pk]}),
        ("get", reverse("bksb:record_actions", args=[learner.pk]), {}),
    ]


def test_anonymous_visitor_is_sent_to_log_in(client, learner, integration):
    for method, url, data in [*_pages(learner), ("get", reverse("bksb:invite_template"), {})]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_web_user_is_refused_everywhere(client, web_user, integration):
    client.force_login(web_user.user)
    for method, url, data in [*_pages(web_user.learner), ("get", reverse("bksb:invite_template"), {})]:
        assert getattr(client, method)(url, data).status_code == 403, url


@pytest.mark.parametrize("persona", ["tutor", "outsider"])
def test_staff_without_create_bksb_user_are_refused(client, learner, integration, request, persona, bksb):
    client.force_login(request.getfixturevalue(persona))
    for method, url, data in _pages(learner):
        assert getattr(client, method)(url, data).status_code == 403, url
    assert bksb.calls == []


def test_staff_with_create_bksb_user_but_not_the_bksb_module_are_refused(client, learner, integration, staff_with):
    client.force_login(staff_with("view_learners", "create_bksb_user"))
    assert client.get(reverse("bksb:create_user", args=[learner.pk])).status_code == 403


def test_staff_with_bksb_rights_but_not_view_learners_see_no_record(client, learner, integration, staff_with, bksb):
    client.force_login(staff_with("bksb_module", "create_bksb_user", "edit_bksb_link", "get_bksb_results"))
    for method, url, data in _pages(learner):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert learner.last_name not in response.content.decode()
    assert bksb.calls == []


def test_create_bksb_user_alone_cannot_link_a_record_to_an_existing_user(client, creator, learner, integration, bksb):
    bksb.users["someone.else"] = 77
    client.force_login(creator)
    response = client.post(reverse("bksb:link_existing", args=[learner.pk]), {"username": "someone.else"})
    assert response.status_code == 403
    assert bksb.calls == []
    assert not BksbLink.objects.filter(learner=learner, bksb_user_id=77).exists()


def test_invite_template_needs_manage_bksb_settings(client, creator, admin_user, integration):
    client.force_login(creator)
    assert client.get(reverse("bksb:invite_template")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("bksb:invite_template")).status_code == 200


def test_record_shows_create_user_only_to_holders_when_enabled(client, learner, creator, tutor, db):
    detail = reverse("learners:detail", args=[learner.pk])
    client.force_login(creator)
    configure(integration_enabled=False)
    assert "BKSB | Create user" not in client.get(detail).content.decode()
    configure()
    assert "BKSB | Create user" in client.get(detail).content.decode()
    client.force_login(tutor)
    assert "BKSB | Create user" not in client.get(detail).content.decode()


def test_form_defaults_to_the_web_user_name_email_and_auto_enrol_setting(client, creator, web_user, db):
    configure(auto_enrol_courses=True)
    client.force_login(creator)
    page = client.get(reverse("bksb:create_user", args=[web_user.learner.pk])).content.decode()
    assert 'value="demo.learner0001"' in page
    assert f'value="{web_user.learner.email}"' in page
    assert AUTO_ENROL_TICKED.search(page)
    assert "17 May 2004" in page
    assert PASSWORD not in page


def test_auto_enrol_is_unticked_when_the_setting_is_off(client, creator, learner, integration):
    client.force_login(creator)
    page = client.get(reverse("bksb:create_user", args=[learner.pk])).content.decode()
    assert not AUTO_ENROL_TICKED.search(page)
    assert 'value="akhan1"' in page


def test_create_with_edited_values_links_and_confirms(client, creator, learner, integration, bksb):
    client.force_login(creator)
    url = reverse("bksb:create_user", args=[learner.pk])
    data = {"username": "amira.k", "email": "amira.k@example.ac.uk", "auto_enrol_courses": "on"}
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    assert "The bksb user <strong>amira.k</strong> was created and this record is linked to it." in page
    assert 'class="messages"' not in page  # the confirmation, once
    assert "Get BKSB Results" not in page  # creator lacks Get BKSB Results
    form = dict(bksb.creates[0])
    assert (form["Username"], form["Email"], form["AutoEnrolCourses"]) == (
        "amira.k",
        "amira.k@example.ac.uk",
        "true",
    )
    learner.refresh_from_db()
    assert (learner.bksb_user, learner.bksb_username) == (True, "amira.k")
    assert UserCreationRequest.objects.get(learner=learner).requested_by == creator
    for text in (PASSWORD, SECRET):
        assert text not in page


def test_double_submit_creates_one_user_and_shows_the_confirmation_again(client, creator, learner, integration, bksb):
    client.force_login(creator)
    url = reverse("bksb:create_user", args=[learner.pk])
    data = {"username": "akhan1", "email": "a@example.ac.uk"}
    client.post(url, data)
    again = client.post(url, data)
    assert again.status_code == 200
    assert "bksb user created" in again.content.decode()
    assert len(bksb.creates) == 1


def test_taken_name_offers_linking_and_a_free_name(client, learner, integration, bksb, staff_with):
    bksb.users["akhan1"] = 77
    client.force_login(staff_with(*CREATE_RIGHTS, "edit_bksb_link", username="linker1"))
    url = reverse("bksb:create_user", args=[learner.pk])
    page = client.post(url, {"username": "akhan1", "email": "a@example.ac.uk"}).content.decode()
    assert "bksb already has a user called “akhan1”" in page
    assert "Link to akhan1 instead" in page
    assert 'value="akhan1-2"' in page
    assert bksb.creates == []

    response = client.post(reverse("bksb:link_existing", args=[learner.pk]), {"username": "akhan1"}, follow=True)
    assert "Linked to bksb user akhan1 (id 77)" in response.content.decode()
    assert BksbLink.objects.get(learner=learner).bksb_user_id == 77


def test_taken_name_of_a_bksb_user_linked_to_another_record_offers_only_another_name(
    client, learner, integration, bksb, staff_with
):
    other = LearnerFactory(bksb_user=True, bksb_username="akhan1", first_name="Asha", last_name="Khan")
    BksbLink.objects.update_or_create(learner=other, defaults={"bksb_user_id": 77})
    bksb.users["akhan1"] = 77
    client.force_login(staff_with(*CREATE_RIGHTS, "edit_bksb_link", username="linker1"))
    data = {"username": "akhan1", "email": "a@example.ac.uk"}
    response = client.post(reverse("bksb:create_user", args=[learner.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert f"bksb user akhan1 is already linked to Asha Khan ({other.learner_ref}); choose another name." in page
    assert "Link to akhan1 instead" not in page
    assert "someone with Edit BKSB Link" not in page
    assert "“akhan1-2” is free" in page
    assert 'value="akhan1-2"' in page
    assert bksb.creates == []


def test_taken_name_without_edit_bksb_link_says_who_can_link(client, creator, learner, integration, bksb):
    bksb.users["akhan1"] = 77
    client.force_login(creator)
    data = {"username": "akhan1", "email": "a@example.ac.uk"}
    page = client.post(reverse("bksb:create_user", args=[learner.pk]), data).content.decode()
    assert "bksb already has a user called “akhan1”" in page
    assert "Link to akhan1 instead" not in page
    assert "someone with Edit BKSB Link can link the record to it" in page


@pytest.mark.parametrize(
    ("change", "data", "expected"),
    [
        ({"date_of_birth": None}, {}, "no date of birth"),
        ({}, {"email": ""}, "email address is required"),
        ({}, {"email": "nope"}, "not a valid email address"),
        ({}, {"username": "two\nlines"}, "cannot hold control characters"),
        ({}, {"username": "   "}, "This field is required."),
    ],
)
def test_bad_data_is_explained_before_anything_is_sent(
    client, creator, learner, integration, bksb, change, data, expected
):
    for name, value in change.items():
        setattr(learner, name, value)
    learner.save()
    client.force_login(creator)
    posted = {"username": "akhan1", "email": "a@example.ac.uk", **data}
    response = client.post(reverse("bksb:create_user", args=[learner.pk]), posted)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert bksb.calls == []


def test_missing_default_password_points_admins_to_the_settings(client, creator, learner, bksb, db):
    configure(default_password_encrypted="")
    client.force_login(creator)
    response = client.post(reverse("bksb:create_user", args=[learner.pk]), {"username": "akhan1", "email": "a@b.cd"})
    assert "Integrations &gt; bksb &gt; Settings" in response.content.decode()
    assert bksb.calls == []


def test_bksb_refusal_is_shown_in_plain_words(client, creator, learner, integration, bksb):
    bksb.create_mode = "refuse"
    bksb.refusal = "Lastname is too long."
    client.force_login(creator)
    response = client.post(reverse("bksb:create_user", args=[learner.pk]), {"username": "akhan1", "email": "a@b.cd"})
    assert "bksb refused to create the user: Lastname is too long." in response.content.decode()


def test_a_lost_answer_is_checked_with_bksb_at_once_and_the_user_linked(client, creator, learner, integration, bksb):
    bksb.create_mode = "lost"
    client.force_login(creator)
    url = reverse("bksb:create_user", args=[learner.pk])
    response = client.post(url, {"username": "akhan1", "email": "a@b.cd"}, follow=True)
    assert "its answer was lost, and bksb was asked" in response.content.decode()
    assert len(bksb.creates) == 1
    learner.refresh_from_db()
    assert (learner.bksb_user, learner.bksb_username) == (True, "akhan1")


def test_disabled_integration_sends_staff_back_to_the_record(client, creator, learner, bksb, db):
    configure(integration_enabled=False)
    client.force_login(creator)
    response = client.get(reverse("bksb:create_user", args=[learner.pk]))
    assert response["Location"] == reverse("learners:detail", args=[learner.pk])


def test_first_download_can_be_started_from_the_confirmation(client, learner, integration, bksb, staff_with):
    client.force_login(staff_with(*CREATE_RIGHTS, "get_bksb_results", username="both1"))
    client.post(reverse("bksb:create_user", args=[learner.pk]), {"username": "akhan1", "email": "a@b.cd"})
    page = client.get(reverse("bksb:create_user", args=[learner.pk])).content.decode()
    assert f'action="{reverse("bksb:download", args=[learner.pk])}"' in page
    assert "Get BKSB Results" in page


@pytest.mark.parametrize("username", ["b.murphy+fs@college.ac.uk", "o'neil.k-2", "kate brown"])
def test_a_bksb_style_username_is_trimmed_and_sent(client, creator, learner, integration, bksb, username):
    client.force_login(creator)
    url = reverse("bksb:create_user", args=[learner.pk])
    response = client.post(url, {"username": f"  {username} ", "email": "a@example.ac.uk"}, follow=True)
    assert response.status_code == 200
    [create] = bksb.creates
    assert dict(create)["Username"] == username
    learner.refresh_from_db()
    assert (learner.bksb_user, learner.bksb_username) == (True, username)


def test_bksbs_own_refusal_is_shown(client, creator, learner, integration, bksb):
    bksb.create_mode, bksb.refusal = "refuse", "Usernames may not contain spaces."
    client.force_login(creator)
    url = reverse("bksb:create_user", args=[learner.pk])
    response = client.post(url, {"username": "kate brown", "email": "a@example.ac.uk"})
    assert response.status_code == 400
    assert "bksb refused to create the user: Usernames may not contain spaces." in response.content.decode()


def test_a_username_with_a_control_character_is_refused_before_bksb_is_asked(
    client, creator, learner, integration, bksb
):
    client.force_login(creator)
    url = reverse("bksb:create_user", args=[learner.pk])
    response = client.post(url, {"username": "kate\u0007brown", "email": "a@example.ac.uk"})
    assert response.status_code == 400
    assert "cannot hold control characters" in response.content.decode()
    assert bksb.calls == []


# Invites.


def test_invite_is_sent_recorded_and_can_be_resent(client, creator, learner, integration, bksb):
    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    client.force_login(creator)
    url = reverse("bksb:invite", args=[learner.pk])
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(url, {})
        traveller.shift(INVITE_REPEAT_WINDOW)
        page = client.post(url, {}, follow=True).content.decode()
    assert "Invite sent to" in page
    assert "Resend invite" in page
    assert len(mail.outbox) == 2
    assert Invite.objects.filter(learner=learner, sent_by=creator).count() == 2


def test_invite_submitted_three_times_sends_one_email(client, creator, learner, integration, bksb):
    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    client.force_login(creator)
    url = reverse("bksb:invite", args=[learner.pk])
    pages = [client.post(url, {}, follow=True).content.decode() for _ in range(3)]
    assert len(mail.outbox) == 1
    assert Invite.objects.filter(learner=learner).count() == 1
    assert f"Invite sent to {learner.email}." in pages[0]
    for page in pages[1:]:
        assert f"An invite was just sent to {learner.email}" in page
        assert "no second email was sent" in page


def test_invite_with_a_template_that_cannot_be_rendered_explains_instead_of_failing(client, creator, learner, bksb):
    configure(invite_body='{% include "missing.html" %}')
    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    client.force_login(creator)
    response = client.post(reverse("bksb:invite", args=[learner.pk]), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The invite template cannot be used: “{% include &quot;missing.html&quot; %}” is not a placeholder" in page
    assert "An admin can fix it at Integrations &gt; bksb &gt; Invite email" in page
    assert mail.outbox == []


def test_invite_page_explains_a_record_without_a_bksb_user(client, creator, learner, integration):
    client.force_login(creator)
    response = client.post(reverse("bksb:invite", args=[learner.pk]), {})
    assert "no bksb user yet" in response.content.decode()
    assert mail.outbox == []


# Bulk.


def _bulk_post(client, capture, ids, **extra):
    """Tick these records, submit and Start; the job runs (eagerly) once the request commits. Its page is returned."""
    with capture(execute=True):
        response = client.post(reverse("bksb:users_create"), {"learner": ids, "start": "1"}, **extra)
    return response, client.get(reverse("jobs:detail", args=[Job.objects.latest("pk").pk]))


def test_create_users_lists_each_outcome(client, creator, integration, bksb, django_capture_on_commit_callbacks):
    fine = LearnerFactory(last_name="Baker")
    no_email = LearnerFactory(last_name="Clarke", email="")
    client.force_login(creator)
    started, response = _bulk_post(client, django_capture_on_commit_callbacks, [fine.pk, no_email.pk])
    assert started.status_code == 302
    page = response.content.decode()
    assert response.status_code == 200
    assert "Created" in page
    assert "Not sent: fix the record" in page
    assert "email address is required" in page


def test_create_users_opens_its_window_at_once_and_sends_nothing_in_the_request(
    client, creator, integration, bksb, django_capture_on_commit_callbacks
):
    learners = [LearnerFactory() for _ in range(3)]
    client.force_login(creator)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("bksb:users_create"), {"learner": [x.pk for x in learners], "start": "1"}, HTTP_HX_REQUEST="true"
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<dialog data-open-modal id="job-window"' in page
    assert "Create bksb users" in page
    assert "Queued" in page
    assert "0 of 3 records" in page
    assert bksb.calls == []
    assert len(queued) == 1  # the job is queued for the workers once the request commits


def test_create_users_for_all_matching_the_filter_takes_every_match_and_nothing_else(
    client, creator, integration, bksb, django_capture_on_commit_callbacks
):
    intake = [LearnerFactory(last_name="Intake", start_date=dt.date(2026, 9, 1)) for _ in range(60)]
    LearnerFactory(last_name="Intake", start_date=dt.date(2025, 9, 1))
    LearnerFactory(last_name="Elsewhere", start_date=dt.date(2026, 9, 1))
    client.force_login(creator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("bksb:users_create"),
            {
                "scope": "all_matching",
                "q": "intake",
                "start_from": "2026-08-01",
                "learner": [intake[0].pk],
                "start": "1",
            },
        )
    job = Job.objects.get()
    assert sorted(job.items.values_list("subject_id", flat=True)) == sorted(x.pk for x in intake)
    assert len(bksb.creates) == 60


def test_create_users_takes_any_number_of_records(
    client, creator, integration, bksb, django_capture_on_commit_callbacks
):
    ids = [LearnerFactory().pk for _ in range(51)]
    client.force_login(creator)
    _, response = _bulk_post(client, django_capture_on_commit_callbacks, ids)
    assert "51 created" in response.content.decode()
    assert len(bksb.creates) == 51


def test_learner_list_says_the_users_are_created_in_the_background(client, creator, learner, integration):
    client.force_login(creator)
    page = client.get(reverse("learners:list")).content.decode()
    assert "runs in the background, in a window you can watch" in page
    assert "Records that already have a bksb user are left as they are; you choose about invites next." in page


def test_a_create_users_job_is_shown_only_to_those_who_may_create_users(
    client, creator, tutor, manager, integration, bksb, django_capture_on_commit_callbacks
):
    client.force_login(creator)
    _bulk_post(client, django_capture_on_commit_callbacks, [LearnerFactory().pk])
    job = Job.objects.get()
    for address in (reverse("jobs:detail", args=[job.pk]), reverse("jobs:status", args=["job", job.pk])):
        assert client.get(address).status_code == 200
        client.force_login(tutor)
        assert client.get(address).status_code == 403
        client.force_login(manager)
        assert client.get(address).status_code == 200
        client.force_login(creator)
    client.force_login(tutor)
    assert client.post(reverse("jobs:resume", args=[job.pk])).status_code == 403


def test_learner_list_offers_selection_only_to_holders(client, creator, tutor, staff_with, learner, integration):
    client.force_login(creator)
    page = client.get(reverse("learners:list")).content.decode()
    assert "Create bksb users" in page
    assert f'name="learner" value="{learner.pk}" form="learner-selection"' in page
    client.force_login(tutor)
    page = client.get(reverse("learners:list")).content.decode()
    assert "Create bksb users" not in page
    # Without the BKSB module there is no action at all (a tutor has Evidence packs), so nothing to select.
    client.force_login(staff_with("view_learners"))
    page = client.get(reverse("learners:list")).content.decode()
    assert 'form="learner-selection"' not in page


# The invite template page.


def test_invite_template_is_previewed_then_saved(client, admin_user, integration):
    client.force_login(admin_user)
    url = reverse("bksb:invite_template")
    data = {"invite_subject": "Welcome {first_name}", "invite_body": "Hi {first_name}, you are {bksb_username}."}
    page = client.post(url, {**data, "preview": "1"}).content.decode()
    assert "Hi Amira, you are akhan1." in page
    assert configure().invite_body == ""
    client.post(url, {**data, "save": "1"})
    assert configure().invite_body == data["invite_body"]


def test_invite_template_page_lists_the_placeholders(client, admin_user, integration):
    client.force_login(admin_user)
    page = client.get(reverse("bksb:invite_template")).content.decode()
    for name in ("{first_name}", "{last_name}", "{bksb_username}", "{login_url}", "{auto_login_link}"):
        assert f"<dt><code>{name}</code></dt>" in page


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('Hello {% include "missing.html" %}', "is not a placeholder: use braces only around a placeholder name."),
        ("{% debug %}", "“{% debug %}” is not a placeholder"),
        ("{% for a in 'xxxxxxxxxx' %}{% for b in 'xxxxxxxxxx' %}{{ b }}{% endfor %}{% endfor %}", "not a placeholder"),
        ("Hi {{ first_name }}", "Write {first_name}."),
        ("Hi {nickname}", "{nickname} is not a placeholder. The placeholders are {first_name}"),
    ],
)
def test_invite_template_refuses_anything_but_placeholders(client, admin_user, integration, body, error):
    client.force_login(admin_user)
    for action in ("preview", "save"):
        response = client.post(
            reverse("bksb:invite_template"), {"invite_subject": "Hi", "invite_body": body, action: "1"}
        )
        assert response.status_code == 400
        page = html.unescape(response.content.decode())
        assert error in page
        assert "sys.modules" not in page
        assert "Correct the template to see a preview." in page
    assert configure().invite_body == ""


def test_invite_template_refuses_the_link_in_the_subject(client, admin_user, integration):
    client.force_login(admin_user)
    data = {"invite_subject": "Go: {auto_login_link}", "invite_body": "", "save": "1"}
    response = client.post(reverse("bksb:invite_template"), data)
    assert response.status_code == 400
    assert "{auto_login_link} can only be used in the body." in response.content.decode()


def test_invite_template_body_has_a_size_limit(client, admin_user, integration):
    client.force_login(admin_user)
    data = {"invite_subject": "Hi", "invite_body": "{first_name} " * 1000, "save": "1"}
    response = client.post(reverse("bksb:invite_template"), data)
    assert response.status_code == 400
    assert "The body is limited to 5,000 characters." in response.content.decode()
    assert configure().invite_body == ""


def test_invite_template_page_shows_why_a_saved_template_fails(client, admin_user, db):
    configure(invite_subject="{{ first_name|divisibleby:2 }}")
    client.force_login(admin_user)
    response = client.get(reverse("bksb:invite_template"))
    assert response.status_code == 200
    assert "This template cannot be used: “{{ first_name|divisibleby:2 }}” is not a placeholder" in html.unescape(
        response.content.decode()
    )


# The record's actions.


def test_create_user_button_follows_the_link_without_a_reload(client, creator, learner, integration):
    client.force_login(creator)
    actions_url = reverse("bksb:record_actions", args=[learner.pk])
    page = client.get(reverse("learners:detail", args=[learner.pk])).content.decode()
    assert f'hx-get="{actions_url}"' in page
    assert 'hx-trigger="bksbResultsChanged from:body"' in page
    assert "BKSB | Create user" in page

    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    BksbLink.objects.update_or_create(learner=learner, defaults={"bksb_user_id": 77})
    actions = client.get(actions_url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="bksb-record-actions"' in actions
    assert "BKSB | Create user" not in actions
    assert "Send invite" in actions
    assert "<html" not in actions

    # A button left on an open page without JavaScript still explains.
    response = client.get(reverse("bksb:create_user", args=[learner.pk]), follow=True)
    assert "This record is already linked to a bksb user." in response.content.decode()
