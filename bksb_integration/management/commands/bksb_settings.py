"""Set up the bksb integration from the command line (deployment scripts, first install).

Secrets never come from the command line, where any user could read them in the
process list, and are read only when asked for: the Secret Access Key from stdin
(--secret-from-stdin) or the BKSB_SECRET_ACCESS_KEY environment variable
(--secret-from-env), the Default Password from stdin (--default-password-from-stdin)
or BKSB_DEFAULT_PASSWORD (--default-password-from-env). Without those flags the
environment is ignored, so `--show` never saves anything. With both read from
stdin, the key is the first line and the password the second.

Changing the BKSB API url to another server needs the Secret Access Key again,
as on the Settings page, and clears the stored Default Password unless a new one
is given with it: no secret is ever sent to a server it was not entered for.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.views.decorators.debug import sensitive_variables

from bksb_integration.config.connection import connection_test
from bksb_integration.config.settings_change import SettingsChange, settings_update
from bksb_integration.models import BksbSettings
from permissions.access import bksb_available

FIELD_LABELS = {
    "integration_enabled": "Integration Enabled",
    "api_url": "BKSB API url",
    "access_key_id": "Access Key ID",
    "auto_enrol_courses": "Auto Enrol on Courses",
    "secret_access_key": "Secret Access Key",
    "default_password": "Default Password",
}
KEY_VARIABLE = "BKSB_SECRET_ACCESS_KEY"
DEFAULT_PW_VARIABLE = "BKSB_DEFAULT_PASSWORD"


class Command(BaseCommand):
    help = "Show or change the bksb integration settings, and test the connection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--api-url",
            help="BKSB API url (https, or http for localhost only); another server needs the Secret Access Key "
            "again and clears the stored Default Password unless one is given too",
        )
        parser.add_argument("--access-key-id", help="Access Key ID")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="enabled", action="store_true", default=None)
        enabled.add_argument("--disable", dest="enabled", action="store_false")
        enrol = parser.add_mutually_exclusive_group()
        enrol.add_argument("--auto-enrol", dest="auto_enrol", action="store_true", default=None)
        enrol.add_argument("--no-auto-enrol", dest="auto_enrol", action="store_false")
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--secret-from-stdin", action="store_true", help="read the Secret Access Key from stdin")
        secret.add_argument(
            "--secret-from-env", action="store_true", help=f"read the Secret Access Key from ${KEY_VARIABLE}"
        )
        password = parser.add_mutually_exclusive_group()
        password.add_argument(
            "--default-password-from-stdin", action="store_true", help="read the Default Password from stdin"
        )
        password.add_argument(
            "--default-password-from-env",
            action="store_true",
            help=f"read the Default Password from ${DEFAULT_PW_VARIABLE}",
        )
        parser.add_argument("--clear-secret", action="store_true", help="remove the stored Secret Access Key")
        parser.add_argument("--clear-default-password", action="store_true", help="remove the stored Default Password")
        parser.add_argument("--test", action="store_true", help="test the connection; exit 1 if it fails")
        parser.add_argument("--show", action="store_true", help="print the settings (secrets shown as set/not set)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not bksb_available():
            raise CommandError(
                "The bksb module is not available in this deployment (BKSB_INTEGRATION_AVAILABLE is off)."
            )
        settings = BksbSettings.load()
        change = self._change(options)
        try:
            saved = settings_update(settings=settings, change=change, reason="bksb_settings command")
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from None
        if saved.changed:
            self.stdout.write("Saved: " + ", ".join(_label(name) for name in saved.changed))
        if saved.notice:
            self.stdout.write(saved.notice)
        if options["show"]:
            self._show(settings)
        if options["test"]:
            result = connection_test(settings=settings)
            if not result.ok:
                raise CommandError(result.message)
            self.stdout.write(result.message)

    @sensitive_variables()
    def _change(self, options: dict[str, Any]) -> SettingsChange:
        lines = _stdin_lines(int(options["secret_from_stdin"]) + int(options["default_password_from_stdin"]))
        secret = lines.pop(0) if options["secret_from_stdin"] else _env(KEY_VARIABLE, options["secret_from_env"])
        password = (
            lines.pop(0)
            if options["default_password_from_stdin"]
            else _env(DEFAULT_PW_VARIABLE, options["default_password_from_env"])
        )
        return SettingsChange(
            integration_enabled=options["enabled"],
            api_url=options["api_url"],
            access_key_id=options["access_key_id"],
            auto_enrol_courses=options["auto_enrol"],
            secret_access_key=secret or None,
            clear_secret_access_key=options["clear_secret"],
            default_password=password or None,
            clear_default_password=options["clear_default_password"],
        )

    def _show(self, settings: BksbSettings) -> None:
        rows = [
            ("Integration Enabled", _yes_no(settings.integration_enabled)),
            ("BKSB API url", settings.api_url),
            ("Access Key ID", settings.access_key_id or "(none)"),
            ("Secret Access Key", "set" if settings.has_secret_access_key else "not set"),
            ("Default Password", "set" if settings.has_default_password else "not set"),
            ("Auto Enrol on Courses", _yes_no(settings.auto_enrol_courses)),
            ("Last connection test", _last_test(settings)),
        ]
        for label, value in rows:
            self.stdout.write(f"{label}: {value}")


def _stdin_lines(count: int) -> list[str]:
    if not count:
        return []
    lines = [sys.stdin.readline().rstrip("\r\n") for _ in range(count)]
    if not all(lines):
        raise CommandError(f"Expected {count} non-empty line(s) on stdin.")
    return lines


def _env(name: str, asked: bool) -> str | None:
    if not asked:
        return None
    value = os.environ.get(name, "")
    if not value:
        raise CommandError(f"{name} is not set or empty.")
    return value


def _label(name: str) -> str:
    return FIELD_LABELS.get(name.removesuffix("_encrypted"), name)


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{_label(name)}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _last_test(settings: BksbSettings) -> str:
    if not settings.last_tested_at:
        return "never"
    outcome = "OK" if settings.last_test_ok else "failed"
    return f"{settings.last_tested_at:%Y-%m-%d %H:%M} {outcome}: {settings.last_test_outcome}"
