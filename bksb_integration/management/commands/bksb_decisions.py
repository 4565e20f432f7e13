"""A record's English and maths decisions from the command line: list them, or add one (never edit or delete).

python manage.py bksb_decisions list LEARNER_REF
python manage.py bksb_decisions add LEARNER_REF --subject maths --kind opted_out --decided-on 2025-09-01 \\
    --discussed-by "J Smith" [--evidence certificate] [--last-day 2026-01-31] [--plan-resigned-on 2025-09-02] \\
    [--note TEXT] [--supersedes ENTRY --reason TEXT]

Entries are added, never edited or deleted, here as on the screens: a mistaken
entry is corrected by adding one with --supersedes and --reason. Added by no
one (the audit trail says "Command line").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.decisions.record import decision_history, decision_record, decision_words, subject_label
from bksb_integration.models import DecisionKind, ExemptionEvidence
from learners.models import Learner


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"“{text}” is not a date: give it as YYYY-MM-DD.") from error


class Command(BaseCommand):
    help = "List a record's English and maths decisions, or add one. Entries are never edited or deleted."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        listing = actions.add_parser("list", help="A record's decisions, newest first, per subject.")
        listing.add_argument("learner_ref")
        add = actions.add_parser("add", help="Add a decision (or a correction, with --supersedes and --reason).")
        add.add_argument("learner_ref")
        add.add_argument("--subject", required=True, choices=["english", "maths"])
        add.add_argument("--kind", required=True, choices=DecisionKind.values)
        add.add_argument("--decided-on", required=True)
        add.add_argument("--discussed-by", required=True)
        add.add_argument("--evidence", default="", choices=["", *ExemptionEvidence.values])
        add.add_argument("--last-day", default="")
        add.add_argument("--plan-resigned-on", default="")
        add.add_argument("--note", default="")
        add.add_argument("--supersedes", type=int, default=None)
        add.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        learner = Learner.objects.filter(learner_ref=options["learner_ref"]).first()
        if learner is None:
            raise CommandError(f"No record has the reference {options['learner_ref']}.")
        if options["action"] == "add":
            self._add(learner, options)
        for subject, entries in decision_history(learner=learner).items():
            self.stdout.write(f"{subject_label(subject)}:")
            for entry in entries or []:
                mark = "" if entry.current else f" [superseded by entry {entry.superseded_by.pk}]"  # type: ignore[union-attr]
                self.stdout.write(f"  {decision_words(entry.decision)}{mark}")
            if not entries:
                self.stdout.write("  none recorded")

    def _add(self, learner: Learner, options: dict[str, Any]) -> None:
        try:
            decision = decision_record(
                learner=learner,
                subject=options["subject"],
                kind=options["kind"],
                decided_on=_date(options["decided_on"]),
                discussed_by=options["discussed_by"],
                evidence=options["evidence"],
                last_learning_date=_date(options["last_day"]) if options["last_day"] else None,
                plan_resigned_on=_date(options["plan_resigned_on"]) if options["plan_resigned_on"] else None,
                note=options["note"],
                supersedes=options["supersedes"],
                supersede_reason=options["reason"],
                recorded_by=None,
            )
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
            raise CommandError(f"Not recorded: {problems}") from error
        self.stdout.write(f"Recorded: {decision_words(decision)}.")
