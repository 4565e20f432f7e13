"""Download learners' bksb results from the command line, in the foreground.

    python manage.py bksb_get_results --learner L000001 [--learner L000002 ...] [--sessions] [--json]
    python manage.py bksb_get_results --all [--json] [--queue] [--threads 16]
    python manage.py bksb_get_results --watch [--json] [--threads 16]

--sessions also reads the learners' assessment sessions and per-skill (EOA)
data. --watch runs one pass of the watch list now, whatever the hour (it still
waits for no one: a manual download running means no pass).

The downloads run in this process (sync/foreground.py), by the same code a worker
runs. Exits non-zero when any learner failed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.config.connection import require_bksb
from bksb_integration.models import Run
from bksb_integration.sync.foreground import (
    Summary,
    get_results_foreground,
    get_results_summary,
    learner_download_foreground,
    watch_pass_foreground,
)
from bksb_integration.sync.get_results import get_results_start
from bksb_integration.sync.watch import watch_pass_start, watched
from learners.models import Learner


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
        parser.add_argument("--all", action="store_true", help="every eligible linked learner (Get Results)")
        parser.add_argument(
            "--sessions", action="store_true", help="with --learner: also read assessment sessions and per-skill data"
        )
        parser.add_argument("--watch", action="store_true", help="run one pass of the watch list now")
        parser.add_argument("--queue", action="store_true", help="with --all: hand the run to the workers and exit")
        parser.add_argument("--threads", type=int, default=16, help="with --all in the foreground: parallel downloads")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print a machine-readable summary")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sessions"] and (options["all"] or options["watch"] or not options["learners"]):
            raise CommandError("--sessions goes with --learner.")
        if options["watch"]:
            if options["all"] or options["learners"] or options["queue"]:
                raise CommandError("Use --watch on its own (with --json or --threads).")
            require_bksb(need_configured=True)
            self.handle_watch(options)
            return
        if options["all"]:
            if options["learners"]:
                raise CommandError("Use either --all or --learner, not both.")
            require_bksb(need_configured=True)
            self.handle_all(options)
            return
        if options["queue"]:
            raise CommandError("--queue goes with --all.")
        learners = self.targets(options)
        require_bksb(need_configured=True)
        summary = Summary.of(
            [learner_download_foreground(learner=learner, with_sessions=options["sessions"]) for learner in learners]
        )
        self.report(summary, as_json=options["as_json"])
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} of {summary.learners} learners failed.")

    def handle_all(self, options: dict[str, Any]) -> None:
        if options["queue"]:
            run, started = get_results_start(started_by=None, trigger=Run.Trigger.COMMAND)
            state = "queued" if started else "already in progress"
            if options["as_json"]:
                self.stdout.write(json.dumps({"run": run.pk, "queued": started}))
            else:
                self.stdout.write(f"Get Results run {run.pk} {state}; see Management > BKSB > History.")
            return
        run = get_results_foreground(threads=options["threads"])
        summary = get_results_summary(run)
        if options["as_json"]:
            self.stdout.write(json.dumps({"run": run.pk, "skipped": run.skipped_reasons} | asdict(summary), indent=2))
        else:
            for failure in summary.failed:
                self.stdout.write(f"{failure['learner']}: FAILED: {failure['reason']}")
            self.stdout.write(
                f"Run {run.pk}: {summary.succeeded} of {summary.learners} learners succeeded "
                f"({run.learners_skipped} skipped); {summary.results_created} new, "
                f"{summary.results_updated} updated, {summary.results_unchanged} unchanged results."
            )
        if run.finished_at is None:
            raise CommandError(f"Run {run.pk} had not finished when this command stopped waiting.")
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} of {summary.learners} learners failed.")

    def handle_watch(self, options: dict[str, Any]) -> None:
        started = watch_pass_start(trigger=Run.Trigger.COMMAND, queue=False, force=True)
        figures: dict[str, Any] = {"run": None, "added": started.added, "ended": started.ended}
        if started.run is None:
            figures["reason"] = started.reason
        else:
            run = watch_pass_foreground(started.run, threads=options["threads"])
            figures |= {"run": run.pk, "requests_made": run.requests_made} | asdict(get_results_summary(run))
            figures["still_watched"] = watched().count()
        if options["as_json"]:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        if started.run is None:
            self.stdout.write(f"No watch pass: {started.reason}.")
            return
        self.stdout.write(
            f"Watch pass {figures['run']}: {figures['succeeded']} of {figures['learners']} watched records polled "
            f"with {figures['requests_made']} requests ({figures['session_requests']} for sessions, "
            f"{figures['eoa_requests']} for skills); {figures['results_created']} new results; "
            f"{figures['still_watched']} still watched."
        )
        if figures["failed"]:
            raise CommandError(f"{len(figures['failed'])} of {figures['learners']} watched records failed.")

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
                if item["session_requests"]:
                    counts += f"; {item['sessions_stored']} sessions and {item['skills_stored']} skill rows stored"
                self.stdout.write(f"{item['learner']}: {counts}")
            else:
                self.stdout.write(f"{item['learner']}: FAILED: {item['reason']}")
        self.stdout.write(
            f"{summary.succeeded} of {summary.learners} learners succeeded; {summary.results_created} new, "
            f"{summary.results_updated} updated, {summary.results_unchanged} unchanged results."
        )
