"""Read the skills (EOA) reports downloads left for later, here and now.

python manage.py bksb_skills_backfill [--limit N]

The same run as beat's Skills backfill: it does nothing while another run is live,
and steps aside as soon as one starts. Exits 1 when it could not run or was stopped.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.models import Run
from bksb_integration.sync.skills_backfill import skills_backfill_run, skills_backfill_start, skills_waiting


class Command(BaseCommand):
    help = "Read the skills reports of finished sessions that downloads left for later (yields to any other run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="read at most this many reports")

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = skills_waiting().count()
        run = skills_backfill_start(trigger=Run.Trigger.COMMAND, queued=False)
        if run is None:
            if waiting:
                raise CommandError(f"{waiting} skills reports are still to come, but another run is live: try later.")
            self.stdout.write("No skills report is still to come.")
            return
        status = skills_backfill_run(run_id=run.pk, limit=options["limit"])
        run.refresh_from_db()
        self.stdout.write(run.message)
        if status not in (Run.Status.SUCCEEDED,):
            raise CommandError(run.message)
