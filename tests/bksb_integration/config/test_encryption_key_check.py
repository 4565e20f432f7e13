"""The system check on BKSB_ENCRYPTION_KEY: a bad key is found by `manage.py check`, not by a 500."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from bksb_integration.models import BksbSettings

OTHER_KEY = Fernet.generate_key().decode()
ROOT = Path(__file__).resolve().parents[3]


def _problems(*, deploy: bool) -> list[checks.CheckMessage]:
    found = checks.run_checks(include_deployment_checks=deploy, tags=["bksb"])
    return [message for message in found if message.id.startswith("bksb.")]


def _stored() -> None:
    settings = BksbSettings.load()
    settings.secret_access_key = "stored-S3cret"
    settings.default_password = "Stored-Pw-1"
    settings.save()


@pytest.mark.django_db
def test_a_good_key_that_reads_what_is_stored_passes():
    _stored()
    assert _problems(deploy=True) == []


@pytest.mark.django_db
def test_no_stored_secrets_passes():
    assert _problems(deploy=True) == []


@pytest.mark.parametrize(
    ("key", "words", "code"),
    [("", "is not set", "001"), ("not-a-fernet-key", "is not a valid Fernet key", "002")],
)
@pytest.mark.django_db
def test_a_missing_or_malformed_key_warns_and_is_an_error_for_deploy(settings, key, words, code):
    settings.BKSB_ENCRYPTION_KEY = key
    warnings = _problems(deploy=False)
    assert [(m.id, m.level) for m in warnings] == [(f"bksb.W{code}", checks.WARNING)]
    assert words in warnings[0].msg
    assert "Fernet.generate_key()" in warnings[0].hint
    errors = [m for m in _problems(deploy=True) if m.level >= checks.ERROR]
    assert [m.id for m in errors] == [f"bksb.E{code}"]
    if key:
        assert key not in warnings[0].msg + warnings[0].hint


@pytest.mark.django_db
def test_a_key_that_cannot_read_the_stored_secrets_names_them_never_their_values(settings):
    _stored()
    settings.BKSB_ENCRYPTION_KEY = OTHER_KEY
    errors = [m for m in _problems(deploy=True) if m.level >= checks.ERROR]
    assert [m.id for m in errors] == ["bksb.E003"]
    text = errors[0].msg + errors[0].hint
    assert "cannot decrypt the stored Secret Access Key and Default Password" in text
    assert "Integrations > bksb > Settings" in errors[0].hint
    assert "stored-S3cret" not in text
    assert OTHER_KEY not in text


def test_before_migrate_creates_the_tables_the_check_runs_without_crashing(tmp_path):
    # Commands such as migrate run the checks before the bksb tables exist.
    env = {"PATH": os.environ["PATH"], "DEBUG": "True", "VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "bksb"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "no issues" in done.stdout


@pytest.mark.django_db
def test_manage_py_check_deploy_fails_on_a_bad_key(settings):
    settings.BKSB_ENCRYPTION_KEY = "not-a-fernet-key"
    call_command("check", "--tag", "bksb", stdout=io.StringIO(), stderr=io.StringIO())  # a warning only
    with pytest.raises(SystemCheckError, match=r"bksb\.E002"):
        call_command("check", "--deploy", "--tag", "bksb", stdout=io.StringIO(), stderr=io.StringIO())
