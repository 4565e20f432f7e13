"""Evidence packs for more records than the learner list's zip holds (EVIDENCE_ZIP_MAX_RECORDS), to a zip file.

python manage.py bksb_evidence_packs OUTPUT.zip [--filter "kind=learner&bksb_tag=3"]

--filter takes the learner list's own query string (copy it from the address bar);
without it every record is packed. The zip is written beside OUTPUT as .part
(0600) and moved into place when complete. Each pack is recorded in the audit
trail as made on the command line. A record whose pack cannot be made is named
on stderr and the command exits 1; the zip holds the others.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from bksb_integration.config.connection import require_bksb
from bksb_integration.evidence.bounds import PACK_BYTES, disk_refusal
from bksb_integration.evidence.packs_job import evidence_zip_write
from bksbmis.private_files import private_file
from learners.selectors import learner_filters_from, learner_search

BATCH = 500


class Command(BaseCommand):
    help = "Write the evidence packs of every record (or those a learner-list filter matches) into a zip file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", help="the zip file to write (replaced if it exists)")
        parser.add_argument("--filter", default="", help="the learner list's query string, e.g. 'kind=learner&q=smith'")

    def handle(self, *args: Any, **options: Any) -> None:
        require_bksb(need_configured=False)
        filters = learner_filters_from(QueryDict(options["filter"]), None)
        if filters.problems:
            raise CommandError("; ".join(filters.problems))
        learners = learner_search(filters=filters).select_related("web_user__user")
        count = learners.count()
        target = Path(options["output"]).resolve()
        problem = disk_refusal(needed=count * PACK_BYTES, where=target.parent)
        if problem:
            raise CommandError(problem)
        partial = private_file(target.with_name(target.name + ".part"))
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            made, failed = evidence_zip_write(learners=learners.iterator(chunk_size=BATCH), archive=archive)
        os.replace(partial, target)
        self.stdout.write(f"{made} of {count} evidence packs written to {target}.")
        for learner in failed:
            self.stderr.write(f"Not packed (the error is logged): {learner.learner_ref}")
        if failed:
            raise SystemExit(1)
