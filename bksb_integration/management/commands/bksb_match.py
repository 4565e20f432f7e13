"""Look for unlinked records in bksb from the command line, in the foreground.

    python manage.py bksb_match --learner L000001 [--learner L000002 ...] [--json] [--link-strong-unique]
    python manage.py bksb_match --all [--json] [--link-strong-unique]

Lists each record's suggestions (bksb users found under its candidate usernames),
with the same probing as Match learners: each username asked at most once a day,
every request on the shared budget. With --link-strong-unique it links the
records whose only suggestion is strong and belongs to no other record (what the
review page pre-ticks), each noted in the audit trail; nothing else is linked.
Exits non-zero when a record could not be fully checked or linked.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bksb_integration.accounts.eligibility import unlinked_learners
from bksb_integration.api.errors import BksbAuthError
from bksb_integration.config.connection import BksbNotReady, bksb_client, require_bksb
from bksb_integration.matching.match_job import records_match_foreground, strong_unique
from bksb_integration.matching.suggestions import RecordMatch, suggestion_link
from bksb_integration.models import BksbSettings
from learners.models import Learner

COMMAND_REASON = "Matching (bksb_match --link-strong-unique)"


class Command(BaseCommand):
    help = "List the bksb users unlinked records may be (and optionally link the strong unique ones)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learner", action="append", default=[], metavar="REF", help="a learner reference")
        parser.add_argument("--all", action="store_true", help="every unlinked eligible record")
        parser.add_argument("--json", action="store_true", help="one JSON object per record")
        parser.add_argument("--link-strong-unique", action="store_true", help="link strong unique matches")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["learner"]) == options["all"]:
            raise CommandError("Give --learner REF (one or more) or --all.")
        require_bksb()
        settings = BksbSettings.load()
        learners = self._learners(options["learner"], settings)
        try:
            found = records_match_foreground(learners=learners, settings=settings)
            linked = self._link(found.matches) if options["link_strong_unique"] else {}
        except BksbAuthError:
            raise CommandError("bksb refused the key: check the Access Key ID and Secret Access Key.") from None
        except BksbNotReady as exc:
            raise CommandError(str(exc)) from None
        checked = {match.learner.pk for match in found.matches}
        for learner in learners:
            if learner.pk not in checked:
                line = {"learner": learner.learner_ref, "name": learner.full_name, "already_linked": True}
                self.stdout.write(json.dumps(line) if options["json"] else f"{learner.learner_ref}: already linked")
        failed = 0
        for match in found.matches:
            line = _line(match, linked.get(match.learner.pk))
            failed += bool(match.errors) or line.get("linked") is False
            self.stdout.write(json.dumps(line) if options["json"] else _text(line))
        if not options["json"]:
            self.stdout.write(f"{len(found.matches)} records checked with {found.requests} requests to bksb.")
        if failed:
            raise CommandError(f"{failed} record(s) could not be fully checked or linked.")

    def _learners(self, refs: list[str], settings: BksbSettings) -> list[Learner]:
        qs = Learner.objects.select_related("web_user__user", "bksb_link")
        if not refs:
            ids = unlinked_learners(settings=settings, today=timezone.localdate()).values("pk")
            return list(qs.filter(pk__in=ids).order_by("learner_ref"))
        found = {x.learner_ref: x for x in qs.filter(learner_ref__in=refs)}
        missing = [ref for ref in refs if ref not in found]
        if missing:
            raise CommandError(f"No record with the reference {', '.join(missing)}.")
        return [found[ref] for ref in dict.fromkeys(refs)]

    def _link(self, matches: list[RecordMatch]) -> dict[int, tuple[bool, str]]:
        chosen = strong_unique(matches)
        by_id = {match.learner.pk: match.learner for match in matches}
        outcomes = {}
        with bksb_client() as client:
            for learner_id, suggestion in chosen.items():
                result = suggestion_link(
                    learner=by_id[learner_id],
                    username=suggestion.username,
                    client=client,
                    reason=COMMAND_REASON,
                    by=None,
                )
                outcomes[learner_id] = (result.ok, result.message)
        return outcomes


def _line(match: RecordMatch, linked: tuple[bool, str] | None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "learner": match.learner.learner_ref,
        "name": match.learner.full_name,
        "candidates": [c.username for c in match.candidates],
        "suggestions": [
            {
                "username": s.username,
                "bksb_user_id": s.bksb_user_id,
                "reason": s.reason,
                "strength": s.strength,
                "held_by": s.held_by.learner_ref if s.held_by else None,
            }
            for s in match.suggestions
        ],
        "errors": match.errors,
    }
    if linked is not None:
        line["linked"], line["message"] = linked
    return line


def _text(line: dict[str, Any]) -> str:
    head = f"{line['learner']} {line['name']}: "
    if not line["suggestions"]:
        head += f"none of {len(line['candidates'])} candidates found"
    else:
        head += "; ".join(
            f"{s['username']} (id {s['bksb_user_id']}, {s['strength']}, {s['reason']}"
            + (f", held by {s['held_by']})" if s["held_by"] else ")")
            for s in line["suggestions"]
        )
    if "linked" in line:
        head += f" -> {'linked' if line['linked'] else 'not linked'}: {line['message']}"
    if line["errors"]:
        head += f" [not fully checked: {line['errors'][0]}]"
    return head
