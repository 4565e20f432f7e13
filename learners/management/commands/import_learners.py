import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learners.import_rows import COLUMNS
from learners.importing import ImportFileError, ImportSummary, csv_text_decode, learners_import


class Command(BaseCommand):
    help = (
        "Create or update learners and applicants (by learner_ref) from a CSV file with a header row: "
        + ", ".join(COLUMNS)
        + ". A file with bad rows is refused whole unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the good rows and list the bad ones")
        parser.add_argument("--dry-run", action="store_true", help="check the file without writing anything")

    def handle(self, *args: object, file: Path, skip_invalid: bool, dry_run: bool, **options: object) -> None:
        try:
            text = csv_text_decode(file.read_bytes())
            summary = learners_import(rows=io.StringIO(text, newline=""), skip_invalid=skip_invalid, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self._headline(summary, dry_run=dry_run))
        for warning in summary.warnings:
            self.stderr.write(f"warning: {warning}")
        if summary.refused:
            for error in summary.refused:
                self.stderr.write(str(error))
            raise CommandError(f"{len(summary.refused)} row{'s' * (len(summary.refused) != 1)} refused.")

    def _headline(self, summary: ImportSummary, *, dry_run: bool) -> str:
        counts = (
            f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.web_users_created} web users created, {summary.web_users_renamed} renamed"
        )
        if summary.written:
            return f"Imported {summary.rows} rows: {counts}"
        if dry_run:
            return f"Checked {summary.rows} good rows (dry run, nothing written): would be {counts}"
        if not summary.rows:
            return "Nothing imported: every row is bad."
        return f"Nothing imported: the file has bad rows (use --skip-invalid to import the {summary.rows} good rows)."
