"""Files only their owner may read: the embedded default's database, demo logins, keys, evidence zips, mail.

Created with mode 0600 from the start (never world-readable for a moment), and
tightened to 0600 when an earlier run left them looser; their folders 0700.
What a library writes by itself (kombu's filesystem broker) is covered by
PRIVATE_UMASK, which the processes set at start (bksbmis/settings.py).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600
PRIVATE_DIR = 0o700
# New files 0600 and folders 0700, whoever creates them in this process.
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Make sure the folder exists and only its owner can list or enter it."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Make sure path exists and only its owner can read or write it."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE))
    path.chmod(PRIVATE)
    return path


def private_write(path: Path, text: str) -> None:
    """Write text to path (replacing what it held), readable by its owner only."""
    private_file(path).write_text(text)
