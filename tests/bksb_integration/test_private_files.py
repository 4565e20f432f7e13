"""Every file written under VAR_DIR is the service user's alone: personal data and sign-in links are never 0644.

A demo-like flow writes each kind: an evidence zip, an invite (with its one-time
sign-in link) through the file email backend, a task queued on kombu's
filesystem broker, an uploaded file staged for import, and a file attached to a
tutor's judgement. Then the whole of
VAR_DIR is walked: files 0600, folders 0700.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu import Connection

from bksb_integration.accounts.invites import invite_send
from bksb_integration.config.connection import client_for
from bksb_integration.decisions.judgements import judgement_record
from bksb_integration.evidence import packs_job as evidence_job
from bksbmis import mail as file_mail
from bksbmis.celery import app as celery_app
from jobs.services import job_run
from learners.import_files import staged_file_save
from learners.models import Learner
from tests.fakes import AUTOLOGIN_PREFIX

pytestmark = pytest.mark.django_db


def loose(var_dir: Path) -> list[str]:
    """What under var_dir another local user could read, enter or list."""
    found = []
    for path in [var_dir, *var_dir.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            found.append(f"{path.relative_to(var_dir)} {oct(mode)}")
    return found


def test_every_file_a_demo_flow_writes_under_var_dir_is_private(
    settings,
    tmp_path,
    admin_user,
    learner,
    bksb,
    integration,
    monkeypatch,
):
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o700)
    settings.VAR_DIR = var_dir
    settings.EMAIL_BACKEND = file_mail.FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(var_dir / "mail")

    # An evidence zip.
    waiting: list[int] = []
    monkeypatch.setattr("jobs.queue.job_run_queue", waiting.append)
    job = evidence_job.evidence_packs_start(learners=Learner.objects.all(), started_by=admin_user)
    job_run(job_id=job.pk)
    assert evidence_job.evidence_zip_path(job).exists()

    # An invite with its one-time sign-in link, written by the file backend.
    bksb.users["akhan1"] = 4242
    learner.bksb_user, learner.bksb_username = True, "akhan1"
    learner.save()
    client = client_for(integration, sleep=lambda _: None)
    invite_send(learner=learner, sent_by=admin_user, with_auto_login_link=True, client=client)
    client.close()
    [message] = list((var_dir / "mail").iterdir())
    assert AUTOLOGIN_PREFIX in message.read_text()

    # A task queued on the filesystem broker.
    broker = var_dir / "celery" / "broker"
    broker.mkdir(parents=True)
    options = {"data_folder_in": str(broker), "data_folder_out": str(broker), "control_folder": str(broker)}
    with Connection("filesystem://", transport_options=options) as connection:
        celery_app.send_task("jobs.tasks.job_run", args=[job.pk], connection=connection)
    assert list(broker.glob("*.msg"))

    # An upload, staged for its import.
    staged_file_save("learner_ref,first_name,last_name\nL1,Amira,Khan\n")

    # A file attached to a tutor's judgement.
    attached = SimpleUploadedFile("class-work.pdf", b"%PDF-1.4 class work")
    judgement_record(
        learner=learner, subject="maths", level="level_1", reason="Class work", recorded_by=admin_user, upload=attached
    )
    assert list((var_dir / "judgements").iterdir())

    assert loose(var_dir) == []


def test_without_debug_the_file_email_backend_is_a_configuration_error(settings):
    settings.DEBUG = False
    settings.EMAIL_URL = ""
    settings.EMAIL_BACKEND = file_mail.FILE_BACKEND

    [error] = file_mail.email_is_sent(None)

    assert error.level == checks.ERROR
    assert error.id == "bksbmis.E001"
    assert "EMAIL_URL is not set" in error.msg
    assert "Set EMAIL_URL" in error.hint


def test_with_an_email_url_or_debug_the_check_is_quiet(settings):
    settings.EMAIL_BACKEND = file_mail.FILE_BACKEND
    settings.DEBUG, settings.EMAIL_URL = True, ""
    assert file_mail.email_is_sent(None) == []
    settings.DEBUG, settings.EMAIL_URL = False, "smtp://mail.example.ac.uk:25"
    assert file_mail.email_is_sent(None) == []
