"""Re-encrypt the stored bksb secrets with the current BKSB_ENCRYPTION_KEY.

To rotate the key: set BKSB_ENCRYPTION_KEY to a new key and move the old one to
BKSB_ENCRYPTION_OLD_KEYS (comma-separated), restart, run this command, then
remove the old key. Safe to run any number of times; it never prints a secret
or a key, and exits non-zero when a secret cannot be read with any key.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bksb_integration.config.key_rotation import stored_secrets_rotate
from bksb_integration.models.encryption import key_problem


class Command(BaseCommand):
    help = "Re-encrypt the stored bksb secrets with the current BKSB_ENCRYPTION_KEY (see BKSB_ENCRYPTION_OLD_KEYS)."

    def handle(self, *args: Any, **options: Any) -> None:
        problem = key_problem()
        if problem:
            raise CommandError(problem)
        rotation = stored_secrets_rotate()
        if rotation.rotated:
            self.stdout.write("Re-encrypted with BKSB_ENCRYPTION_KEY: " + ", ".join(rotation.rotated))
        if rotation.already_current:
            self.stdout.write("Already encrypted with BKSB_ENCRYPTION_KEY: " + ", ".join(rotation.already_current))
        if rotation.changed_meanwhile:
            self.stdout.write("Saved again meanwhile (run this again): " + ", ".join(rotation.changed_meanwhile))
        if rotation.unreadable:
            raise CommandError(
                f"{', '.join(rotation.unreadable)} cannot be read with BKSB_ENCRYPTION_KEY or "
                "BKSB_ENCRYPTION_OLD_KEYS: add the key it was saved with to BKSB_ENCRYPTION_OLD_KEYS, or enter it "
                "again on Integrations > bksb > Settings (or with manage.py bksb_settings)."
            )
        if not (rotation.rotated or rotation.already_current or rotation.changed_meanwhile):
            self.stdout.write("Nothing stored to re-encrypt.")
        elif settings.BKSB_ENCRYPTION_OLD_KEYS and not rotation.changed_meanwhile:
            self.stdout.write(
                "Every stored secret is under BKSB_ENCRYPTION_KEY: BKSB_ENCRYPTION_OLD_KEYS can now be removed."
            )
