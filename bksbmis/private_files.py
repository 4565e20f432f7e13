"""Files only their owner may read: the embedded default's database, demo logins, keys.

Created with mode 0600 from the start (never world-readable for a moment), and
tightened to 0600 when an earlier run left them looser.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600


def private_file(path: Path) -> Path:
    """Make sure path exists and only its owner can read or write it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE))
    path.chmod(PRIVATE)
    return path


def private_write(path: Path, text: str) -> None:
    """Write text to path (replacing what it held), readable by its owner only."""
    private_file(path).write_text(text)
