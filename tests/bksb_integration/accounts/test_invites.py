"""Invite emails: what the learner receives, what is recorded, and what is never kept."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core import mail
from django.db import connection
from django.utils import timezone

from bksb_integration.accounts.invites import INVITE_REPEAT_WINDOW, InviteError, invite_send
from bksb_integration.config.connection import client_for
from bksb_integration.models import BksbLink, BksbSettings, Invite
from tests.fakes import AUTOLOGIN_PREFIX, PASSWORD, SECRET, FakeBksb
from tests.support import configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def bksb(bksb: FakeBksb) -> FakeBksb:
    bksb.users["akhan1"] = 4242
    return bksb


@pytest.fixture
def client(integration):
    made = client_for(integration, sleep=lambda _: None)
    yield made
    made.close()


@pytest.fixture
def linked(learner):
    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    return learner


def test_invite_without_a_link_names_the_username_and_how_to_log_in(linked, client, bksb, admin_user):
    invite = invite_send(learner=linked, sent_by=admin_user, with_auto_login_link=False, client=client).invite
    [email] = mail.outbox
    assert email.to == [linked.email]
    assert email.subject == "Your bksb account"
    assert "Hello Amira," in email.body
    assert "Your bksb username: akhan1" in email.body
    assert "your provider's bksb site" in email.body
    assert AUTOLOGIN_PREFIX not in email.body
    assert bksb.calls == []
    assert (invite.sent_by, invite.email, invite.username, invite.with_auto_login_link) == (
        admin_user,
        linked.email,
        "akhan1",
        False,
    )


def test_invite_with_a_link_makes_it_at_sending_and_never_stores_it(linked, client, bksb, caplog):
    caplog.set_level(logging.DEBUG)
    invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client)
    [email] = mail.outbox
    link = f"{AUTOLOGIN_PREFIX}token-4242-1"
    assert link in email.body
    assert bksb.calls == ["getUserId", "getAutoLoginLink"]
    invite = Invite.objects.get()
    assert invite.with_auto_login_link is True
    assert link not in str(Invite.objects.values().get())
    assert link not in str(BksbLink.objects.values().get())
    assert link not in caplog.text


def test_each_invite_gets_a_fresh_link_and_is_recorded(linked, client, bksb):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(2):
            invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client)
            traveller.shift(INVITE_REPEAT_WINDOW)
    assert mail.outbox[0].body != mail.outbox[1].body
    assert Invite.objects.filter(learner=linked).count() == 2


def test_the_admin_edited_template_is_used(linked, client, bksb):
    configure(
        invite_subject="bksb for {first_name}",
        invite_body="Hi {first_name} {last_name} <3, log in as {bksb_username} at {login_url}.",
        hub_bksb_url="https://college.bksblive2.co.uk/",
    )
    invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    [email] = mail.outbox
    assert email.subject == "bksb for Amira"
    assert email.body == "Hi Amira Khan <3, log in as akhan1 at https://college.bksblive2.co.uk/.\n"


def test_a_repeat_within_two_minutes_sends_nothing_and_says_it_was_just_sent(linked, client, bksb):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC), tick=False) as traveller:
        first = invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
        traveller.shift(dt.timedelta(seconds=5))
        repeats = [invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client) for _ in "ab"]
        assert len(mail.outbox) == 1
        assert Invite.objects.count() == 1
        assert bksb.calls == []
        assert first.message == f"Invite sent to {linked.email}."
        for repeat in repeats:
            assert (repeat.invite, repeat.repeated) == (first.invite, True)
            assert repeat.message == (
                f"An invite was just sent to {linked.email} (at 10:30); no second email was sent. "
                "Another can be sent from 10:32."
            )
        traveller.shift(INVITE_REPEAT_WINDOW)
        later = invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert not later.repeated
    assert len(mail.outbox) == 2


def test_an_invite_that_failed_to_send_can_be_tried_again_at_once(linked, client, bksb, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no mail server")

    monkeypatch.setattr("bksb_integration.accounts.invites.send_mail", broken)
    with pytest.raises(InviteError, match="could not be sent"):
        invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    monkeypatch.undo()
    again = invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert not again.repeated
    assert len(mail.outbox) == 1


def test_the_web_user_name_is_the_username_when_no_bksb_username_is_typed(learner, web_user, client, bksb):
    learner.bksb_user = True
    learner.save()
    invite = invite_send(learner=learner, sent_by=None, with_auto_login_link=False, client=client).invite
    assert invite.username == "demo.learner0001"
    assert "Your bksb username: demo.learner0001" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("change", "expected"),
    [({"bksb_user": False}, "no bksb user yet"), ({"email": ""}, "no email address")],
)
def test_an_invite_that_cannot_be_sent_says_why_and_records_nothing(linked, client, bksb, change, expected):
    for name, value in change.items():
        setattr(linked, name, value)
    linked.save()
    with pytest.raises(InviteError, match=expected):
        invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert mail.outbox == []
    assert not Invite.objects.exists()


def test_no_link_no_email_when_bksb_does_not_know_the_user(linked, client, bksb):
    bksb.users.clear()
    with pytest.raises(InviteError, match="bksb has no user called"):
        invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client)
    assert mail.outbox == []


def test_the_password_and_secret_never_appear_in_an_invite(linked, client, bksb):
    invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client)
    for text in (PASSWORD, SECRET):
        assert text not in mail.outbox[0].body


def test_a_paragraph_holding_the_link_is_left_out_of_an_invite_without_one(linked, client, bksb):
    configure(invite_body="Hello {first_name}.\n\nOr use this link:\n{auto_login_link}\n\nBye.")
    invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert mail.outbox[0].body == "Hello Amira.\n\nBye.\n"


def test_a_value_is_never_read_as_a_placeholder(linked, client, bksb):
    linked.first_name = "{bksb_username}"
    linked.save()
    configure(invite_body="Hello {first_name}, you are {bksb_username}.")
    invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert mail.outbox[0].body == "Hello {bksb_username}, you are akhan1.\n"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{% include "missing.html" %}', '“{% include "missing.html" %}” is not a placeholder'),
        ("{% debug %}", "“{% debug %}” is not a placeholder"),
        ("{{ first_name }}", "Write {first_name}."),
        ("Hi {nickname}", "{nickname} is not a placeholder. The placeholders are {first_name}, {last_name},"),
    ],
)
def test_a_stored_template_that_is_not_valid_says_where_to_fix_it_and_sends_nothing(linked, client, bksb, body, reason):
    configure(invite_body=body)
    with pytest.raises(InviteError) as raised:
        invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert str(raised.value).startswith("The invite template cannot be used: ")
    assert reason in str(raised.value)
    assert str(raised.value).endswith("An admin can fix it at Integrations > bksb > Invite email.")
    assert mail.outbox == []
    assert not Invite.objects.exists()


def test_the_link_cannot_go_in_the_subject(linked, client, bksb):
    configure(invite_subject="Log in: {auto_login_link}")
    with pytest.raises(InviteError, match="can only be used in the body"):
        invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client)
    assert mail.outbox == []


# Templates saved in Django's template language before placeholders (migration 0008).

OLD_BUILT_IN_BODY = """{% autoescape off %}Hello {{ first_name }},

Your bksb username: {{ username }}

To log in, go to {{ login_url }}.
{% if auto_login_link %}
Or log in straight away with this one-time link:
{{ auto_login_link }}
{% endif %}
If you did not expect this email, please tell your tutor.
{% endautoescape %}"""


def _convert_stored_templates() -> None:
    migration = importlib.import_module("bksb_integration.migrations.0009_invite_placeholders")
    migration.forwards(django_apps, None)


def test_a_template_saved_in_the_old_syntax_is_converted_and_keeps_working(linked, client, bksb):
    configure(invite_subject="bksb for {{ first_name }}", invite_body=OLD_BUILT_IN_BODY)
    _convert_stored_templates()
    settings = BksbSettings.load()
    assert settings.invite_subject == "bksb for {first_name}"
    assert "{{" not in settings.invite_body
    assert "{%" not in settings.invite_body

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
        traveller.shift(INVITE_REPEAT_WINDOW)
        invite_send(learner=linked, sent_by=None, with_auto_login_link=True, client=client)
    without, with_link = mail.outbox
    assert without.subject == "bksb for Amira"
    assert without.body == (
        "Hello Amira,\n\nYour bksb username: akhan1\n\nTo log in, go to your provider's bksb site.\n\n"
        "If you did not expect this email, please tell your tutor.\n"
    )
    assert "Or log in straight away with this one-time link:\nhttps://bksb.example.test/autologin/" in with_link.body


def test_an_old_template_that_cannot_be_converted_is_kept_and_refused_until_fixed(linked, client, bksb):
    configure(invite_body="Hi {{ first_name|upper }}")
    _convert_stored_templates()
    assert BksbSettings.load().invite_body == "Hi {{ first_name|upper }}"
    with pytest.raises(InviteError, match="is not a placeholder"):
        invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=client)
    assert mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_send_one_email(linked, bksb):
    configure()
    start = threading.Barrier(3)

    def submit(_: int) -> bool:
        start.wait()
        try:
            return invite_send(learner=linked, sent_by=None, with_auto_login_link=False, client=None).repeated
        finally:
            connection.close()

    with ThreadPoolExecutor(3) as pool:
        repeated = sorted(pool.map(submit, range(3)))
    assert repeated == [False, True, True]
    assert len(mail.outbox) == 1
    assert Invite.objects.count() == 1
