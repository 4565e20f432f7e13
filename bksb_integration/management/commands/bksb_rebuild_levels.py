"""Recompute every record's levels summary and tags from the stored results.

python manage.py bksb_rebuild_levels [--queue]

Run it once after upgrading to a version that adds the summary, or whenever the
bksb_learner_level table is in doubt; it is safe to run at any time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bksb_integration.levels.recompute_job import levels_refresh_message, levels_refresh_start
from bksb_integration.levels.summary import learners_with_results, levels_refresh

REASON = "Levels rebuilt (bksb_rebuild_levels)"


class Command(BaseCommand):
    help = "Recompute every record's levels summary and tags from its stored results (only its current bksb user's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", action="store_true", help="run it as a background job on the workers instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            job = levels_refresh_start(reason=REASON, started_by=None)
            self.stdout.write(f"Queued as job {job.pk}.")
            return
        ids = learners_with_results()
        counts = levels_refresh(learner_ids=ids, reason=REASON)
        done = {
            "tags_added": counts.tags_added,
            "tags_removed": counts.tags_removed,
            "tags_changed": counts.tags_changed,
        }
        self.stdout.write(levels_refresh_message(len(ids), done))
