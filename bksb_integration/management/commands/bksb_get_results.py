"""Download learners' bksb results from the command line, in the foreground.

    python manage.py bksb_get_results --learner L000001 [--learner L000002 ...] [--json]

Each learner gets a run made by the same service as the BKSB Results button
(runs.single_download_start) and is processed here, in this process, by the
same code a worker runs (runs.run_learner_process). A download already running
for a learner is waited for rather than doubled. Exits non-zero when any
learner failed.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.models import Run, RunLearner
from bksb_integration.runs import run_learner_process, single_download_start
from learners.models import Learner

# How long to wait for a download of the same learner that another process runs.
WAIT_LIMIT_SECONDS = 15 * 60
POLL_SECONDS = 1.0
FINISHED = (RunLearner.Status.SUCCEEDED, RunLearner.Status.FAILED)


@dataclass
class LearnerOutcome:
    learner: str
    run: int
    succeeded: bool
    reason: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Summary:
    learners: int = 0
    succeeded: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    results_created: int = 0
    results_updated: int = 0
    results_unchanged: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, outcomes: list[LearnerOutcome]) -> Summary:
        summary = cls(learners=len(outcomes))
        for outcome in outcomes:
            if outcome.succeeded:
                summary.succeeded += 1
            else:
                summary.failed.append({"learner": outcome.learner, "reason": outcome.reason})
            summary.results_created += outcome.created
            summary.results_updated += outcome.updated
            summary.results_unchanged += outcome.unchanged
            summary.details.append(asdict(outcome))
        return summary


def learner_download_foreground(*, learner: Learner) -> LearnerOutcome:
    """One learner's download, done in this process (or waited for, if already running)."""
    run, _ = single_download_start(learner=learner, started_by=None, trigger=Run.Trigger.COMMAND, queue=False)
    part = RunLearner.objects.get(run=run, learner=learner)
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while part.status not in FINISHED:
        # "not-claimed" (a worker has it) or "busy" (another run holds the learner): wait and look again.
        if run_learner_process(run_learner_id=part.pk) in ("not-claimed", "busy"):
            if time.monotonic() > deadline:
                return LearnerOutcome(learner.learner_ref, run.pk, False, "Gave up waiting for the running download.")
            time.sleep(POLL_SECONDS)
        part.refresh_from_db()
    return LearnerOutcome(
        learner=learner.learner_ref,
        run=run.pk,
        succeeded=part.status == RunLearner.Status.SUCCEEDED,
        reason=part.error,
        created=part.results_created,
        updated=part.results_updated,
        unchanged=part.results_unchanged,
    )


class Command(BaseCommand):
    help = "Download learners' bksb results now, in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--learner",
            action="append",
            dest="learners",
            default=[],
            metavar="REF",
            help="learner reference (repeat for several learners)",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print a machine-readable summary")

    def handle(self, *args: Any, **options: Any) -> None:
        learners = self.targets(options)
        summary = Summary.of([learner_download_foreground(learner=learner) for learner in learners])
        self.report(summary, as_json=options["as_json"])
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} of {summary.learners} learners failed.")

    def targets(self, options: dict[str, Any]) -> list[Learner]:
        """The learners to download, in the order given; unknown references stop everything."""
        refs = list(dict.fromkeys(ref.strip() for ref in options["learners"] if ref.strip()))
        if not refs:
            raise CommandError("Name at least one learner: --learner REF.")
        found = {learner.learner_ref: learner for learner in Learner.objects.filter(learner_ref__in=refs)}
        unknown = [ref for ref in refs if ref not in found]
        if unknown:
            raise CommandError(f"No learner with reference {', '.join(unknown)}.")
        return [found[ref] for ref in refs]

    def report(self, summary: Summary, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(asdict(summary), indent=2))
            return
        for item in summary.details:
            if item["succeeded"]:
                counts = f"{item['created']} new, {item['updated']} updated, {item['unchanged']} unchanged"
                self.stdout.write(f"{item['learner']}: {counts}")
            else:
                self.stdout.write(f"{item['learner']}: FAILED: {item['reason']}")
        self.stdout.write(
            f"{summary.succeeded} of {summary.learners} learners succeeded; {summary.results_created} new, "
            f"{summary.results_updated} updated, {summary.results_unchanged} unchanged results."
        )
