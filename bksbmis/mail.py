"""Mail written to files under VAR_DIR/mail: the demo's and development's default, never production's.

An invite holds a one-time sign-in link, so each message file is created 0600
in a 0700 folder, whatever the process's umask. With DEBUG off and no
EMAIL_URL the system check below stops the service from starting: production
mail must go out through a real server, not pile up on the disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.mail.backends.filebased import EmailBackend

from bksbmis.private_files import PRIVATE, private_dir

FILE_BACKEND = "bksbmis.mail.PrivateFileEmailBackend"
NO_EMAIL_URL = (
    "EMAIL_URL is not set, so email (invites with their one-time sign-in links included) would be written to "
    "files under VAR_DIR/mail instead of being sent. That is for the demo and development only (DEBUG=True)."
)
NO_EMAIL_URL_HINT = "Set EMAIL_URL to your mail server, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.ac.uk:587"


class PrivateFileEmailBackend(EmailBackend):
    """Django's file backend, with each message file readable by the service's user only."""

    file_path: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        private_dir(Path(self.file_path))

    def open(self) -> bool:
        if self.stream is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            self.stream = os.fdopen(os.open(self._get_filename(), flags, PRIVATE), "ab")
            Path(self._get_filename()).chmod(PRIVATE)
            return True
        return False


@checks.register(checks.Tags.compatibility)
def email_is_sent(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """bksbmis.E001: with DEBUG off, mail must be sent (EMAIL_URL), not written to files."""
    if settings.DEBUG or settings.EMAIL_URL or settings.EMAIL_BACKEND != FILE_BACKEND:
        return []
    return [checks.Error(NO_EMAIL_URL, hint=NO_EMAIL_URL_HINT, id="bksbmis.E001")]
