"""Export stored bksb results as CSV on stdout, with the learner reference.

python manage.py bksb_export_results [--learner REF] > results.csv
python manage.py bksb_export_results --skills [--learner REF] > skills.csv   (sessions and per-skill rows)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.config.connection import require_bksb
from bksb_integration.results.export import csv_lines
from bksb_integration.results.skills_export import skills_csv_lines
from learners.models import Learner


class Command(BaseCommand):
    help = "Write stored bksb results as CSV to stdout (cells that look like formulas are neutralised)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learner", metavar="REF", help="only this learner's results")
        parser.add_argument(
            "--skills", action="store_true", help="assessment sessions and their per-skill rows instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_bksb(need_configured=False)
        learner = None
        if options["learner"]:
            learner = Learner.objects.filter(learner_ref=options["learner"].strip()).first()
            if learner is None:
                raise CommandError(f"No learner with reference {options['learner']}.")
        lines = skills_csv_lines(learner=learner) if options["skills"] else csv_lines(learner=learner)
        for line in lines:
            self.stdout.write(line, ending="")
