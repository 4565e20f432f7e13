"""Download runs: starting a BKSB Results run, counting finished learners, closing runs.

A run has one RunLearner per learner; download.py does their work. Counts on
the run row move with atomic F() updates, one per finished chunk of learners,
so any number of workers can share a run; if a worker dies before counting,
run_reconcile recounts from the learners' rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bksb_integration.accounts.linking import link_for
from bksb_integration.api.types import Priority
from bksb_integration.models import BksbLink, Run, RunLearner
from bksb_integration.sync.budget import budget_waiting_behind
from bksb_integration.sync.progress import ACTIVE, run_stall
from bksb_integration.sync.queue import run_learner_download_queue
from bksb_integration.sync.results_store import UpsertCounts
from learners.models import Learner
from ops.metrics import RUNS, counter_add, run_duration_observe

KEY_REFUSED = "Stopped: bksb refused the key. Check the Access Key ID and Secret Access Key, then Resume."
UNAVAILABLE = "Stopped: bksb unavailable. Resume when bksb answers again."


def run_priority(run: Run) -> Priority:
    """A run's place on the shared budget: a person's download or a run started by hand first, then the
    watch list, then the nightly run."""
    if run.kind == Run.Kind.WATCH:
        return Priority.WATCH
    if run.trigger == Run.Trigger.SCHEDULED:
        return Priority.NIGHTLY
    return Priority.PERSON


def run_giving_way(run: Run, *, rate: float) -> str:
    """What a running run gives way to on the shared budget, in words for its window ('' when nothing)."""
    if run.is_finished:
        return ""
    ahead = budget_waiting_behind(rate=rate, priority=run_priority(run))
    if not ahead:
        return ""
    who = " and ".join(priority.label for priority in ahead)
    return f"Giving way on bksb's request limit to {who}: the run goes on at full speed when they are done."


@dataclass
class Tally:
    """What a chunk of learners added to a run, counted once when the chunk ends."""

    done: int = 0
    failed: int = 0
    unmatched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    requests: int = 0
    message: str = ""
    # Assessment sessions (sessions.py): the requests for them, and what was stored.
    session_requests: int = 0
    eoa_requests: int = 0
    sessions_stored: int = 0
    skills_stored: int = 0

    def add(
        self, *, counts: UpsertCounts | None = None, failed: bool = False, unmatched: bool = False, message: str = ""
    ) -> None:
        """One more learner finished: its result counts, its failure, or its bksb user lost (unmatched)."""
        self.done += 1
        self.failed += int(failed)
        self.unmatched += int(unmatched)
        if counts is not None:
            self.created += counts.created
            self.updated += counts.updated
            self.unchanged += counts.unchanged
        self.message = message or self.message

    def add_sessions(self, session_requests: int, eoa_requests: int, sessions: int = 0, skills: int = 0) -> None:
        self.session_requests += session_requests
        self.eoa_requests += eoa_requests
        self.sessions_stored += sessions
        self.skills_stored += skills


def bksb_results_start(
    *,
    learner: Learner,
    started_by: User | AnonymousUser | None,
    trigger: str = Run.Trigger.MANUAL,
    queue: bool = True,
    with_sessions: bool = False,
) -> tuple[Run, bool]:
    """Start a BKSB Results download of one learner, or attach to the one running.

    `with_sessions`: staff asked for the learner's assessment sessions and skills too.
    Returns (run, started). The task is queued once the run row is committed;
    with queue=False the caller downloads the run's learner itself, as the
    command line does.
    """
    with transaction.atomic():
        # Locking the link row serialises two clicks on the same learner.
        link_for(learner)
        BksbLink.objects.select_for_update().get(learner=learner)
        active = (
            RunLearner.objects.filter(learner=learner, run__kind=Run.Kind.BKSB_RESULTS, status__in=ACTIVE)
            .select_related("run")
            .order_by("-pk")
            .first()
        )
        if active and run_stall(active.run, part=active) is None:
            return active.run, False
        run = Run.objects.create(
            kind=Run.Kind.BKSB_RESULTS,
            trigger=trigger,
            with_sessions=with_sessions,
            started_by=started_by if isinstance(started_by, User) else None,
            learners_total=1,
            planned_at=timezone.now(),
        )
        part = RunLearner.objects.create(run=run, learner=learner)
        if queue:
            transaction.on_commit(lambda: run_learner_download_queue(part.pk))
    return run, True


def run_counts_add(*, run_id: int, tally: Tally) -> None:
    """Add a chunk of finished learners to the run's counts, then close the run if it was the last.

    Every worker updates this one row, so it is a single statement of its own
    (the row is locked for microseconds, not for a whole transaction).
    """
    update: dict[str, object] = {
        "learners_done": F("learners_done") + tally.done,
        "learners_failed": F("learners_failed") + tally.failed,
        "learners_unmatched": F("learners_unmatched") + tally.unmatched,
        "results_created": F("results_created") + tally.created,
        "results_updated": F("results_updated") + tally.updated,
        "results_unchanged": F("results_unchanged") + tally.unchanged,
        "requests_made": F("requests_made") + tally.requests,
        "session_requests": F("session_requests") + tally.session_requests,
        "eoa_requests": F("eoa_requests") + tally.eoa_requests,
        "sessions_stored": F("sessions_stored") + tally.sessions_stored,
        "skills_stored": F("skills_stored") + tally.skills_stored,
        "heartbeat_at": timezone.now(),
    }
    if tally.message:
        update["message"] = tally.message[:500]
    if tally.done > tally.failed:
        update["transport_failures"] = 0  # bksb answered: the breaker's count starts again
    Run.objects.filter(pk=run_id).update(**update)
    run_close_if_done(run_id=run_id)


def run_reconcile(*, run_id: int) -> None:
    """Set a run's learner and result counts from its learners' rows, then close it if done.

    The total too: a learner deleted meanwhile takes its row with it.
    """
    finished = (RunLearner.Status.SUCCEEDED, RunLearner.Status.FAILED, RunLearner.Status.UNMATCHED)
    totals = RunLearner.objects.filter(run_id=run_id).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status__in=finished)),
        failed=Count("pk", filter=Q(status=RunLearner.Status.FAILED)),
        unmatched=Count("pk", filter=Q(status=RunLearner.Status.UNMATCHED)),
        created=Coalesce(Sum("results_created"), 0),
        updated=Coalesce(Sum("results_updated"), 0),
        unchanged=Coalesce(Sum("results_unchanged"), 0),
    )
    Run.objects.filter(pk=run_id, finished_at__isnull=True, planned_at__isnull=False).update(
        learners_total=totals["total"]
    )
    Run.objects.filter(pk=run_id, finished_at__isnull=True).update(
        learners_done=totals["done"],
        learners_failed=totals["failed"],
        learners_unmatched=totals["unmatched"],
        results_created=totals["created"],
        results_updated=totals["updated"],
        results_unchanged=totals["unchanged"],
    )
    run_close_if_done(run_id=run_id)


def run_stop(*, run_id: int, reason: str) -> None:
    """Stop a run at once; its learners not yet tried are marked so, for Resume."""
    with transaction.atomic():
        learners = RunLearner.objects.filter(run_id=run_id)
        learners.filter(status=RunLearner.Status.PENDING).update(status=RunLearner.Status.NOT_TRIED)
        stopped = Run.objects.filter(pk=run_id, finished_at__isnull=True).update(
            status=Run.Status.STOPPED,
            stage=Run.Stage.FINISHED,
            finished_at=timezone.now(),
            message=reason[:500],
            paused_until=None,
        )
        # Counted from the rows: another worker stopping the same run hands back learners too.
        not_tried = learners.filter(status=RunLearner.Status.NOT_TRIED).count()
        Run.objects.filter(pk=run_id).update(learners_not_tried=not_tried)
    if stopped:
        _finished_count(run_id)


def run_close_if_done(*, run_id: int) -> bool:
    """Mark the run finished once every learner is done (exactly one caller wins)."""
    done = Run.objects.filter(
        pk=run_id, finished_at__isnull=True, planned_at__isnull=False, learners_done__gte=F("learners_total")
    )
    run = done.first()
    if run is None:
        return False
    if run.learners_failed == 0:
        status = Run.Status.SUCCEEDED
    elif run.learners_failed >= run.learners_total:
        status = Run.Status.FAILED
    else:
        status = Run.Status.PARTIAL
    closed = done.update(status=status, finished_at=timezone.now(), stage=Run.Stage.FINISHED) == 1
    if closed:
        _finished_count(run_id)
    return closed


def _finished_count(run_id: int) -> None:
    """A run just finished (once, by whoever closed it): count it, and its duration, for /metrics."""
    run = Run.objects.filter(pk=run_id).values("kind", "status", "created_at", "started_at", "finished_at").first()
    if run is None or run["finished_at"] is None:
        return
    counter_add(RUNS, kind=run["kind"], outcome=run["status"])
    began = run["started_at"] or run["created_at"]
    run_duration_observe(kind=run["kind"], seconds=(run["finished_at"] - began).total_seconds())
