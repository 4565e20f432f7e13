"""bksbmis.settings as production loads it: in a fresh process, from the environment alone."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "SECRET_KEY": "x7Gq2vR9mK4pL8sT1wY6zB3nC5dF0hJ-aE2uI9oP7rS4tV6",
    "BKSB_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode(),
    "ALLOWED_HOSTS": "mis.example.ac.uk",
}

pytestmark = pytest.mark.skipif(
    (ROOT / ".env").exists(), reason="a local .env would change what the settings read from the environment"
)


def _run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "bksbmis.settings", "VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_is_off_unless_set(tmp_path):
    done = _run("from django.conf import settings; print(settings.DEBUG)", tmp_path, **PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_without_debug_there_is_no_made_up_secret_key(tmp_path):
    done = _run("pass", tmp_path, BKSB_ENCRYPTION_KEY=PRODUCTION["BKSB_ENCRYPTION_KEY"], ALLOWED_HOSTS="x")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert not (tmp_path / "secret_key").exists()


def test_debug_on_runs_on_the_embedded_defaults(tmp_path):
    done = _run("from django.conf import settings; print(settings.DEBUG)", tmp_path, DEBUG="True")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert (tmp_path / "secret_key").exists()


def test_the_filesystem_broker_keeps_every_file_under_the_var_folder(tmp_path):
    # The web process and the worker run from wherever they were started: nothing may land there.
    started_in, var = tmp_path / "cwd", tmp_path / "var"
    started_in.mkdir()
    code = (
        "import django; django.setup();"
        "from django.conf import settings; from bksbmis.celery import app;"
        "app.send_task('bksb_integration.tasks.nothing');"
        "import json; options = settings.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "print(json.dumps([value for key, value in options.items() if 'folder' in key]))"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "bksbmis.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=started_in,
        env={**env, "DEBUG": "True", "VAR_DIR": str(var)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert list(started_in.iterdir()) == []
    folders = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"control", "broker", "processed"} <= {Path(folder).name for folder in folders}
    assert all(Path(folder).is_relative_to(var) for folder in folders)
    assert (var / "celery" / "control" / "celery.exchange").exists()


def test_old_encryption_keys_are_a_comma_separated_list(tmp_path):
    old = [base64.urlsafe_b64encode(bytes([n]) * 32).decode() for n in (1, 2)]
    code = "from bksb_integration.models.encryption import key_problem; print(repr(key_problem()))"
    done = _run(code, tmp_path, **PRODUCTION, BKSB_ENCRYPTION_OLD_KEYS=f"{old[0]}, {old[1]}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "''"
    done = _run(code, tmp_path, **PRODUCTION, BKSB_ENCRYPTION_OLD_KEYS=f"{old[0]},not-a-key")
    assert "BKSB_ENCRYPTION_OLD_KEYS holds a value that is not a valid Fernet key" in done.stdout


# Commented examples in .env.example that production sets (besides the two keys, given above).
PLACEHOLDERS = ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "EMAIL_URL")


def _env_example() -> dict[str, str]:
    """.env.example's settings, with real-looking values for its placeholders."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z_]+)=(.*)", line.strip())
        if match and (not match.group(1) or match.group(2) in ("SECRET_KEY", "BKSB_ENCRYPTION_KEY", *PLACEHOLDERS)):
            values[match.group(2)] = match.group(3)
    return {**values, **PRODUCTION}


def test_check_deploy_with_the_production_settings_of_env_example_finds_no_errors(tmp_path):
    example = _env_example()
    assert example["DEBUG"] == "False"
    assert set(PLACEHOLDERS) <= set(example)
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "bksbmis.settings", "VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**env, **example},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ERRORS" not in done.stderr + done.stdout
    assert "bksb." not in done.stderr + done.stdout


def test_without_debug_mail_must_be_sent_not_written_to_files(tmp_path):
    check = "from django.core.management import call_command; call_command('check')"
    done = _run(check, tmp_path, **PRODUCTION)
    assert done.returncode != 0
    assert "bksbmis.E001" in done.stderr
    assert "EMAIL_URL is not set" in done.stderr

    sent = _run(check, tmp_path, **PRODUCTION, EMAIL_URL="smtp://mail.example.ac.uk:25")
    assert "bksbmis.E001" not in sent.stderr
