"""Run retention now, or (--dry-run) list what a run would do today, changing nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.preview import retention_preview
from privacy.retention import retention_run


class Command(BaseCommand):
    help = "Anonymise records and delete bksb results past their retention periods (recorded in the audit trail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what a run would do, and change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        preview = retention_preview()
        for line in preview.lines():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        event = retention_run(by=None)
        if event is None:
            self.stdout.write("Every kind of record is kept (no retention period is set): nothing to do.")
            return
        done = event.counts.get("done", {})
        self.stdout.write(self.style.SUCCESS(f"Done: {done.get('records', 0)} records anonymised."))
