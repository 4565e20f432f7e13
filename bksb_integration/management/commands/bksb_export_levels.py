"""Print the levels summary per record, with its tags and funding flags.

python manage.py bksb_export_levels [--csv | --json] > levels.csv
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bksb_integration.config.connection import require_bksb
from bksb_integration.levels.export import level_records, level_rows
from bksbmis.csv_export import csv_lines


class Command(BaseCommand):
    help = (
        "Write every record's levels summary (per subject), tags and funding flags to stdout: CSV (the default, "
        "cells that look like formulas neutralised) or a JSON array."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--csv", action="store_true", help="CSV, one row per record (the default)")
        output.add_argument("--json", action="store_true", help="a JSON array, one object per record")

    def handle(self, *args: Any, **options: Any) -> None:
        require_bksb(need_configured=False)
        if options["json"]:
            self._json()
            return
        for line in csv_lines(level_rows()):
            self.stdout.write(line, ending="")

    def _json(self) -> None:
        self.stdout.write("[", ending="")
        for number, record in enumerate(level_records()):
            self.stdout.write(("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False), ending="")
        self.stdout.write("\n]")
