"""Management commands print only what they mean to say."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bksbmis.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_command_prints_no_start_up_lines():
    done = _manage("check")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == "System check identified no issues (0 silenced).\n"


@pytest.mark.django_db
def test_shell_imports_every_model_including_the_history_models(capsys):
    out = StringIO()
    call_command("shell", command="print(HistoricalBksbSettings.__name__)", stdout=out)
    assert "could not be automatically imported" not in out.getvalue()
    assert capsys.readouterr().out == "HistoricalBksbSettings\n"


def test_the_history_models_are_importable_where_they_say_they_live():
    from bksb_integration.models import BksbLink

    history = BksbLink.history.model
    package = __import__(history.__module__)
    assert getattr(package, history.__name__) is history
