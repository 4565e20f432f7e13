"""Work out every record's initial-assessment status again and store it.

python manage.py bksb_rebuild_status

Run it once after upgrading to a version that adds the stored status
(bksb_assessment_status), or whenever that table is in doubt; it is safe to run at
any time, beside downloads (each record's row is locked while it is written).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bksb_integration.induction.status_store import assessment_status_rebuild


class Command(BaseCommand):
    help = "Work out every record's initial-assessment status (English and maths) from the stored facts, and store it."

    def handle(self, *args: Any, **options: Any) -> None:
        covered = assessment_status_rebuild()
        self.stdout.write(f"Assessment status worked out for {covered} records.")
