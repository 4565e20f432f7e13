"""python manage.py bksb_create_user: the same creation from the command line."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from bksb_integration.models import Invite, UserCreationRequest
from tests.fakes import PASSWORD, SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(integration):
    """Auto Enrol Courses on, so the command's default can be seen to follow it."""
    integration.auto_enrol_courses = True
    integration.save()
    return integration


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("bksb_create_user", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_the_new_bksb_user_id_with_the_record_defaults(learner, integration, bksb):
    out, err = run("--learner", "L000001")
    assert out.strip() == str(bksb.users["akhan1"])
    assert "bksb user akhan1 created" in err
    form = dict(bksb.creates[0])
    assert (form["Email"], form["AutoEnrolCourses"]) == (learner.email, "true")
    assert UserCreationRequest.objects.get(learner=learner).requested_by is None


def test_takes_username_email_and_no_auto_enrol(learner, integration, bksb):
    run("--learner", "L000001", "--username", "amira.k", "--email", "amira@example.ac.uk", "--no-auto-enrol")
    form = dict(bksb.creates[0])
    assert (form["Username"], form["Email"], form["AutoEnrolCourses"]) == ("amira.k", "amira@example.ac.uk", "false")


def test_taken_name_exits_non_zero_with_a_free_name(learner, integration, bksb):
    bksb.users["akhan1"] = 9
    with pytest.raises(CommandError, match=r"already has a user called “akhan1”\. A free name: akhan1-2"):
        run("--learner", "L000001")
    assert bksb.creates == []


def test_bksb_refusal_exits_non_zero(learner, integration, bksb):
    bksb.create_mode = "refuse"
    bksb.refusal = "Lastname is too long."
    with pytest.raises(CommandError, match="Lastname is too long"):
        run("--learner", "L000001")


def test_bad_data_is_refused_before_sending(learner, integration, bksb):
    with pytest.raises(CommandError, match="not a valid email address"):
        run("--learner", "L000001", "--email", "nope")
    assert bksb.calls == []


def test_unknown_reference_exits_non_zero(integration, bksb):
    with pytest.raises(CommandError, match="No learner or applicant with reference L999"):
        run("--learner", "L999")


def test_running_twice_creates_one_user(learner, integration, bksb):
    first, _ = run("--learner", "L000001")
    second, _ = run("--learner", "L000001")
    assert first == second
    assert len(bksb.creates) == 1


def test_invite_is_sent_after_creating(learner, integration, bksb):
    run("--learner", "L000001", "--invite")
    assert mail.outbox[0].to == [learner.email]
    assert Invite.objects.get().sent_by is None


def test_output_and_logs_never_hold_the_password_or_secret(learner, integration, bksb, caplog):
    caplog.set_level(logging.DEBUG)
    out, err = run("--learner", "L000001", "--invite")
    for text in (PASSWORD, SECRET):
        assert text not in out + err + caplog.text
