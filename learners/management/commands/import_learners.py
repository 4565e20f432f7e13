import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learners.ilr.importing import ilr_import
from learners.ilr.reader import YEARS, IlrFileError, ilr_sniff
from learners.ilr.report import ilr_counts_sentence
from learners.import_rows import COLUMNS
from learners.importing import ImportFileError, ImportSummary, csv_text_decode, learners_import


class Command(BaseCommand):
    help = (
        "Create or update learners and applicants (by learner_ref) from a CSV file with a header row: "
        + ", ".join(COLUMNS)
        + ". Or an ILR XML file ("
        + ", ".join(YEARS.values())
        + "), told from its content: records by LearnRefNumber, with their prior attainment and aims. "
        "A file with bad rows or learners is refused whole unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8) or ILR XML file")
        parser.add_argument("--skip-invalid", action="store_true", help="import the good rows and list the bad ones")
        parser.add_argument("--dry-run", action="store_true", help="check the file without writing anything")

    def handle(self, *args: object, file: Path, skip_invalid: bool, dry_run: bool, **options: object) -> None:
        try:
            with file.open("rb") as stream:
                is_ilr = ilr_sniff(stream.read(64))
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        if is_ilr:
            self._ilr(file, skip_invalid=skip_invalid, dry_run=dry_run)
            return
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

    def _ilr(self, file: Path, *, skip_invalid: bool, dry_run: bool) -> None:
        try:
            summary = ilr_import(path=file, skip_invalid=skip_invalid, dry_run=dry_run)
        except IlrFileError as exc:
            raise CommandError(str(exc)) from None
        counts = ilr_counts_sentence(summary.counts)
        if summary.written:
            self.stdout.write(f"Imported the {summary.year} ILR file, {counts}.")
        elif dry_run:
            self.stdout.write(f"Checked the {summary.year} ILR file (dry run, nothing written): would be {counts}.")
        elif summary.counts.learners:
            self.stdout.write(
                f"Nothing imported: the file has bad learners (use --skip-invalid to import the "
                f"{summary.counts.learners} good learners)."
            )
        else:
            self.stdout.write("Nothing imported: every learner is bad.")
        for error in summary.refused:
            self.stderr.write(str(error))
        if summary.refused:
            raise CommandError(f"{len(summary.refused)} learner{'s' * (len(summary.refused) != 1)} refused.")
