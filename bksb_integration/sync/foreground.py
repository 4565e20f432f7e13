"""Downloads done in this process rather than on the workers: the bksb_get_results command's services.

Each learner gets a run made by the same service as the BKSB Results button (runs.bksb_results_start)
and is processed by the same code a worker runs (download.run_learners_download). A download already
running for a learner is waited for rather than doubled.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import close_old_connections, connections

from bksb_integration.models import Run, RunLearner
from bksb_integration.sync.download import BUSY, NOT_CLAIMED, run_learner_download, run_learners_download
from bksb_integration.sync.get_results import get_results_plan, get_results_start
from bksb_integration.sync.runs import bksb_results_start
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
