"""Keys for the embedded default, generated once and kept under ./var.

Only used when DEBUG is on; in production every key comes from the
environment and there is no default.
"""

import base64
import os
import secrets
from pathlib import Path


def local_key(path: Path, kind: str) -> str:
    """Return the key stored at path, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    value = base64.urlsafe_b64encode(os.urandom(32)).decode() if kind == "fernet" else secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    try:
        # link() fails if another process got there first: theirs wins.
        os.link(tmp, path)
    except FileExistsError:
        value = path.read_text().strip()
    finally:
        tmp.unlink()
    return value
