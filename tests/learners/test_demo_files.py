"""The demo's files that hold passwords or learner data are readable by their owner only (0600)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.django_db
@pytest.mark.usefixtures("loose_umask")
def test_seed_demo_writes_the_summary_of_logins_for_its_owner_only(tmp_path, settings):
    summary = tmp_path / "demo-summary.txt"
    summary.write_text("from an earlier run\n")
    summary.chmod(0o644)
    out = io.StringIO()

    call_command("seed_demo", "--learners", "3", "--summary-file", str(summary), stdout=out)

    assert _mode(summary) == 0o600
    assert summary.read_text() == out.getvalue()
    assert "admin" in summary.read_text()
    assert _mode(Path(settings.VAR_DIR) / "demo-logins.txt") == 0o600


@pytest.mark.parametrize("earlier", [None, 0o644])
def test_the_sqlite_database_file_is_for_its_owner_only(tmp_path, earlier):
    database = tmp_path / "db.sqlite3"
    if earlier is not None:
        database.touch()
        database.chmod(earlier)
    code = "import django; django.setup(); from django.db import connection; connection.ensure_connection()"
    env = {"PATH": os.environ["PATH"], "DEBUG": "True", "VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        ["/bin/sh", "-c", f'umask 022; exec "{sys.executable}" -c "{code}"'],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bksbmis.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert _mode(database) == 0o600


def test_bin_demo_keeps_what_it_writes_private():
    script = (ROOT / "bin" / "demo").read_text()
    assert "umask 077" in script.split("manage.py", 1)[0]
    assert "--summary-file var/demo-summary.txt" in script
