"""Download learners' bksb results from the command line, in the foreground.

    python manage.py bksb_get_results --learner L000001 [--learner L000002 ...] [--sessions] [--json]
    python manage.py bksb_get_results --all [--json] [--queue] [--threads 16]
    python manage.py bksb_get_results --watch [--json] [--threads 16]

--sessions also reads the learners' assessment sessions and per-skill (EOA)
data. --watch runs one pass of the watch list now, whatever the hour (it still
waits for no one: a manual download running means no pass).

Each learner gets a run made by the same service as the BKSB Results button
(runs.bksb_results_start) and is processed here, in this process, by the
same code a worker runs (download.run_learners_download). A download already running
for a learner is waited for rather than doubled. Exits non-zero when any
learner failed.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connections

from bksb_integration.config.connection import require_bksb
from bksb_integration.models import Run, RunLearner
from bksb_integration.sync.download import BUSY, NOT_CLAIMED, run_learner_download, run_learners_download
from bksb_integration.sync.get_results import get_results_plan, get_results_start
from bksb_integration.sync.runs import bksb_results_start
from bksb_integration.sync.watch import watch_pass_start, watched
from learners.models import Learner

# How long to wait for a download of the same learner that another process runs.
WAIT_LIMIT_SECONDS = 15 * 60
POLL_SECONDS = 1.0
FINISHED = (RunLearner.Status.SUCCEEDED, RunLearner.Status.FAILED)
# Learners a foreground thread downloads on one database connection.
FOREGROUND_CHUNK = 20


@dataclass
class LearnerOutcome:
    learner: str
    run: int
    succeeded: bool
    reason: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    session_requests: int = 0
    eoa_requests: int = 0
    sessions_stored: int = 0
    skills_stored: int = 0


@dataclass
class Summary:
    learners: int = 0
    succeeded: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    results_created: int = 0
    results_updated: int = 0
    results_unchanged: int = 0
    session_requests: int = 0
    eoa_requests: int = 0
    sessions_stored: int = 0
    skills_stored: int = 0
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
            summary.session_requests += outcome.session_requests
            summary.eoa_requests += outcome.eoa_requests
            summary.sessions_stored += outcome.sessions_stored
            summary.skills_stored += outcome.skills_stored
            summary.details.append(asdict(outcome))
        return summary


def learner_download_foreground(*, learner: Learner, with_sessions: bool = False) -> LearnerOutcome:
    """One learner's download, done in this process (or waited for, if already running)."""
    run, _ = bksb_results_start(
        learner=learner, started_by=None, trigger=Run.Trigger.COMMAND, queue=False, with_sessions=with_sessions
    )
    part = RunLearner.objects.get(run=run, learner=learner)
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while part.status not in FINISHED:
        # "not-claimed" (a worker has it) or "busy" (another run holds the learner): wait and look again.
        if run_learner_download(run_learner_id=part.pk) in (NOT_CLAIMED, BUSY):
            if time.monotonic() > deadline:
                return LearnerOutcome(learner.learner_ref, run.pk, False, "Gave up waiting for the running download.")
            time.sleep(POLL_SECONDS)
        part.refresh_from_db()
    run.refresh_from_db()
    return LearnerOutcome(
        learner=learner.learner_ref,
        run=run.pk,
        succeeded=part.status == RunLearner.Status.SUCCEEDED,
        reason=part.error,
        created=part.results_created,
        updated=part.results_updated,
        unchanged=part.results_unchanged,
        session_requests=run.session_requests,
        eoa_requests=run.eoa_requests,
        sessions_stored=run.sessions_stored,
        skills_stored=run.skills_stored,
    )


def _chunk_download(run_id: int, run_learner_ids: list[int]) -> None:
    try:
        run_learners_download(run_id=run_id, run_learner_ids=run_learner_ids)
    finally:
        connections.close_all()  # each thread has its own database connection


def get_results_foreground(*, threads: int) -> Run:
    """Get Results for every eligible learner in this process (threads share the request budget).

    If a Get Results run is already in progress, wait for it instead of starting another.
    """
    run, started = get_results_start(started_by=None, trigger=Run.Trigger.COMMAND, queue=False)
    if started:
        get_results_plan(run_id=run.pk, enqueue=False)
        run_download_foreground(run, threads=threads)
    return run_wait(run)


def run_download_foreground(run: Run, *, threads: int) -> None:
    """Download a run's pending learners in this process, in chunks over `threads` threads."""
    pending = RunLearner.objects.filter(run=run, status=RunLearner.Status.PENDING).order_by("pk")
    ids = list(pending.values_list("pk", flat=True))
    chunks = [ids[start : start + FOREGROUND_CHUNK] for start in range(0, len(ids), FOREGROUND_CHUNK)]
    if threads <= 1:
        for chunk in chunks:
            run_learners_download(run_id=run.pk, run_learner_ids=chunk)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda chunk: _chunk_download(run.pk, chunk), chunks))
        close_old_connections()


def watch_pass_foreground(run: Run, *, threads: int) -> Run:
    """A watch pass's learners in this process; those it handed back for a manual download are taken up again."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    run_download_foreground(run, threads=threads)
    pending = RunLearner.objects.filter(run=run, status=RunLearner.Status.PENDING)
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS * 5)
        run_download_foreground(run, threads=threads)
    return run_wait(run)


def run_wait(run: Run) -> Run:
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    run.refresh_from_db()
    while run.finished_at is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        run.refresh_from_db()
    return run


def get_results_summary(run: Run) -> Summary:
    failed = RunLearner.objects.filter(run=run, status=RunLearner.Status.FAILED).select_related("learner")
    return Summary(
        learners=run.learners_total,
        succeeded=run.learners_done - run.learners_failed - run.learners_unmatched,
        failed=[{"learner": part.learner.learner_ref, "reason": part.error} for part in failed.iterator()],
        results_created=run.results_created,
        results_updated=run.results_updated,
        results_unchanged=run.results_unchanged,
        session_requests=run.session_requests,
        eoa_requests=run.eoa_requests,
        sessions_stored=run.sessions_stored,
        skills_stored=run.skills_stored,
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
