"""The ILR cross-check on the command line: every contradiction between the ILR's records and aims, bksb and
the rules, before the ILR is submitted.

python manage.py bksb_ilr_check [--json | --csv] [--code CODE] [--subject english|maths] [--provision TYPE]
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.config.connection import require_bksb
from bksb_integration.crosscheck.report import PROVISIONS, FindingFilter, findings_all, findings_csv_lines
from bksb_integration.crosscheck.rules import RULES_BY_CODE, SUBJECT_WORDS


class Command(BaseCommand):
    help = (
        "List every ILR cross-check finding of the records the ILR imports brought in (every record with a "
        "learning aim): a line each (the default), CSV (cells that look like formulas neutralised), or a JSON "
        "array of objects with stable keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="a JSON array, one object per finding")
        output.add_argument("--csv", action="store_true", help="CSV, one row per finding")
        parser.add_argument("--code", help=f"only this finding: {', '.join(RULES_BY_CODE)}")
        parser.add_argument("--subject", help="only findings about this subject: english or maths")
        parser.add_argument("--provision", help=f"only this provision type: {', '.join(c for c, _ in PROVISIONS)}")

    def handle(self, *args: Any, **options: Any) -> None:
        require_bksb(need_configured=False)
        chosen = self._chosen(options)
        findings = findings_all(chosen=chosen)
        if options["json"]:
            self.stdout.write("[", ending="")
            for number, finding in enumerate(findings):
                line = json.dumps(finding.as_dict(), ensure_ascii=False)
                self.stdout.write(("," if number else "") + "\n" + line, ending="")
            self.stdout.write("\n]")
        elif options["csv"]:
            for line in findings_csv_lines(findings):
                self.stdout.write(line, ending="")
        else:
            count = 0
            for finding in findings:
                count += 1
                aim = f" aim {finding.aim_seq_number}" if finding.aim_seq_number else ""
                self.stdout.write(f"{finding.learner_ref}{aim}: {finding.code}: {finding.ilr_facts} | "
                                  f"{finding.other_facts}. Fix: {finding.fix}")  # fmt: skip
            self.stdout.write(f"{count} finding{'' if count == 1 else 's'}.")

    def _chosen(self, options: dict[str, Any]) -> FindingFilter:
        for name, known in (("code", RULES_BY_CODE), ("subject", SUBJECT_WORDS), ("provision", dict(PROVISIONS))):
            value = options[name]
            if value and value not in known:
                raise CommandError(f"--{name} {value!r} is not one of: {', '.join(known)}.")
        given = {name: options[name] or "" for name in ("code", "subject", "provision")}
        return FindingFilter.from_query(given)
