"""Checked CSV files (and uploaded ILR files) waiting to be imported, under VAR_DIR/imports, each named by a
random token.

A file is saved when its preview says it can be imported, and stays until the
import job that reads it has ended (a job that fails keeps it, so Try again can
read it). Anything left behind is cleared out after a day.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

MAX_AGE = 24 * 60 * 60


def _imports_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def staged_file_path(token: object, suffix: str = ".csv") -> Path | None:
    """The file for a token; anything not shaped like one is ignored."""
    if not isinstance(token, str) or len(token) != 32 or not token.isalnum():
        return None
    return _imports_dir() / f"{token}{suffix}"


def _stale_clear() -> None:
    cutoff = time.time() - MAX_AGE
    for stale in [*_imports_dir().glob("*.csv"), *_imports_dir().glob("*.xml")]:
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()


def staged_file_save(text: str) -> str:
    """Keep the checked text for the import; its token. Clears out files left behind for a day."""
    _stale_clear()
    token = secrets.token_hex(16)
    path = _imports_dir() / f"{token}.csv"
    path.touch(mode=0o600, exist_ok=False)
    path.write_text(text, encoding="utf-8")
    return token


def staged_ilr_save(chunks: Iterable[bytes]) -> str:
    """Keep an uploaded ILR file, written a chunk at a time, for its import job; its token."""
    _stale_clear()
    token = secrets.token_hex(16)
    path = _imports_dir() / f"{token}.xml"
    path.touch(mode=0o600, exist_ok=False)
    with path.open("wb") as stream:
        for chunk in chunks:
            stream.write(chunk)
    return token


def staged_ilr_path(token: object) -> Path | None:
    """The staged ILR file of a token, if it is still there."""
    path = staged_file_path(token, ".xml")
    return path if path is not None and path.is_file() else None


def staged_file_read(token: object) -> str | None:
    path = staged_file_path(token)
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def staged_file_exists(token: object) -> bool:
    path = staged_file_path(token)
    return path is not None and path.is_file()


def staged_file_delete(token: object) -> None:
    for suffix in (".csv", ".xml"):
        path = staged_file_path(token, suffix)
        if path is not None:
            path.unlink(missing_ok=True)
