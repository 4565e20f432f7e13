from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learners.lars_aims import LarsAimsSummary, LarsFileError, lars_aims_import


class Command(BaseCommand):
    help = (
        "Add or update the English or maths aim mapping's rows of every Functional Skills English and maths aim "
        "in the LARS CSV download: its LearningDelivery.csv (aim reference, title, level) and AnnualValue.csv "
        "(BasicSkillsType 19 Functional Skills maths, 20 Functional Skills English). Rows of other aims are left as "
        "they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("learning_delivery", type=Path, help="LearningDelivery.csv from the LARS CSV download")
        parser.add_argument("annual_value", type=Path, help="AnnualValue.csv from the same download")
        parser.add_argument("--dry-run", action="store_true", help="read the files and count, without writing")

    def handle(self, *args: object, learning_delivery: Path, annual_value: Path, dry_run: bool, **_: object) -> None:
        try:
            with (
                learning_delivery.open(encoding="utf-8-sig", newline="") as deliveries,
                annual_value.open(encoding="utf-8-sig", newline="") as annual_values,
            ):
                summary = lars_aims_import(deliveries=deliveries, annual_values=annual_values, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
        except LarsFileError as exc:
            raise CommandError(str(exc)) from None
        for reason in summary.skipped:
            self.stderr.write(f"skipped: {reason}")
        self.stdout.write(self._headline(summary, dry_run=dry_run))

    def _headline(self, summary: LarsAimsSummary, *, dry_run: bool) -> str:
        counts = f"{summary.created} added, {summary.updated} updated, {summary.unchanged} unchanged"
        skipped = f"; {len(summary.skipped)} skipped (listed above)" if summary.skipped else ""
        found = f"{summary.found} Functional Skills English or maths aim{'s' * (summary.found != 1)} found"
        if dry_run:
            return f"{found} (dry run, nothing written): would be {counts}{skipped}."
        return f"{found}: {counts}{skipped}."
