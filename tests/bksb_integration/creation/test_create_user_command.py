"""python manage.py bksb_create_user: the same creation from the command line."""

from __future__ import annotations

import json
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


# --all-unlinked: every eligible record with no bksb user, through the Create bksb users job.


def test_all_unlinked_creates_each_eligible_record_and_prints_one_json_object_per_record(integration, bksb):
    from tests.factories import LearnerFactory

    first = LearnerFactory(last_name="Adams", learner_ref="L000501")
    second = LearnerFactory(last_name="Baker", learner_ref="L000502")
    LearnerFactory(last_name="Archived", system_status="archived")
    LearnerFactory(last_name="Linked", bksb_user=True, bksb_username="someone")

    out, err = run("--all-unlinked", "--json", "--invite")

    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["learner"], r["label"], r["ok"]) for r in records] == [
        ("L000501", "Created and invited", True),
        ("L000502", "Created and invited", True),
    ]
    assert records[0]["bksb_user_id"] == bksb.users[records[0]["username"]]
    assert [dict(form)["Lastname"] for form in bksb.creates] == ["Adams", "Baker"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
    assert "2 records: 2 created and invited." in err
    again, _ = run("--all-unlinked", "--json")
    assert again == ""  # nobody is left without a bksb user
    assert len(bksb.creates) == 2


def test_all_unlinked_exits_non_zero_when_a_record_was_not_created(integration, bksb):
    from tests.factories import LearnerFactory

    LearnerFactory(last_name="Fine", learner_ref="L000511")
    LearnerFactory(last_name="Nodob", learner_ref="L000512", date_of_birth=None)
    out = StringIO()

    with pytest.raises(CommandError, match="1 of 2 records were not created"):
        call_command("bksb_create_user", "--all-unlinked", stdout=out, stderr=StringIO())

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("L000511\tCreated\t")
    assert lines[1].startswith("L000512\tNot sent: fix the record\t")
    assert "Fix Date of birth" in lines[1]


def test_all_unlinked_with_queue_leaves_the_work_to_the_workers(
    integration, bksb, monkeypatch, django_capture_on_commit_callbacks
):
    from jobs import queue as jobs_queue
    from jobs.models import Job
    from tests.factories import LearnerFactory

    queued: list[int] = []
    monkeypatch.setattr(jobs_queue, "job_run_queue", queued.append)
    LearnerFactory()

    with django_capture_on_commit_callbacks(execute=True):
        out, err = run("--all-unlinked", "--queue", "--json")

    job = Job.objects.get()
    assert json.loads(out) == {"job": job.pk, "records": 1, "queued": True}
    assert queued == [job.pk]
    assert bksb.creates == []
    assert f"/jobs/{job.pk}/" in err


def test_all_unlinked_refuses_options_that_belong_to_one_record(integration, bksb):
    with pytest.raises(CommandError, match="go with --learner"):
        run("--all-unlinked", "--username", "someone")
    with pytest.raises(CommandError, match="--queue goes with --all-unlinked"):
        run("--learner", "L000001", "--queue")


def test_one_record_prints_a_json_object_too(learner, integration, bksb):
    out, _ = run("--learner", "L000001", "--json")
    record = json.loads(out)
    assert (record["learner"], record["outcome"], record["username"]) == ("L000001", "created", "akhan1")
    assert record["bksb_user_id"] == bksb.users["akhan1"]
