"""The watch list: records polled every few minutes until their initial assessments are in.

An initial assessment counts as in when its result is stored and dated at most
N days before the record was put on the list; a record leaves the list N days
after it was put on it at the latest.

On induction day a learner's results should show within minutes, not the next
morning. A record is watched when its bksb user was created, or it was invited,
in the last N days, or when staff add it by hand. While watched, and its English
or maths initial assessment is not finished and imported, a watch pass polls it
every M minutes within set hours (UK time). A pass is a run of its own, worked
by the same tasks and drawing on the same request budget as Get Results; it
starts only when no manual download is running, so it never delays one. A
record leaves the list once both initial assessments are in (or after N days),
and falls back to the nightly run.

Polling costs only what it must: the sessions of the subjects still awaited
(one request each), and the result lists only once a finished session is not
yet imported (download.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, Max, Min, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from bksb_integration.accounts.eligibility import eligible_learners
from bksb_integration.api.client import BksbClient
from bksb_integration.api.types import AssessmentResult
from bksb_integration.models import (
    AssessmentSession,
    BksbLink,
    BksbSettings,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    Invite,
    Run,
    RunLearner,
    Subject,
    UserCreationRequest,
    WatchEntry,
)
from bksb_integration.sync.progress import ACTIVE, GET_RESULTS_REPLACE_AFTER, run_stall
from bksb_integration.sync.queue import run_learners_download_queue
from bksb_integration.sync.sessions import SessionsRead, sessions_read
from learners.models import Learner

logger = logging.getLogger(__name__)

UK = ZoneInfo("Europe/London")
# The subjects a watched record waits for, with their V5 course subject codes.
AWAITED = {
    Subject.ENGLISH: AssessmentSession.CourseSubject.ENGLISH,
    Subject.MATHS: AssessmentSession.CourseSubject.MATHS,
}
# A pass polls records due within this much of their time, so a pass a few seconds early skips none.
POLL_SLACK = dt.timedelta(seconds=30)
# Passes run every few minutes all day: their runs are kept this long, not for the whole run history.
PASSES_KEPT = dt.timedelta(days=1)

OUTSIDE_HOURS = "outside the watch hours"
MANUAL_RUNNING = "a manual download is running (it goes first)"
PREVIOUS_STILL_RUNNING = "the previous watch pass is still running"
NONE_DUE = "no watched record is due"

ReadResults = Callable[[], dict[str, list[AssessmentResult]]]


@dataclass(frozen=True)
class WatchPass:
    """What starting a pass did: the run, or why none started."""

    run: Run | None
    reason: str = ""
    added: int = 0
    ended: int = 0


def within_hours(now: dt.datetime, settings: BksbSettings) -> bool:
    """Whether `now` is inside the watch hours (UK time; an end before the start spans midnight)."""
    local = now.astimezone(UK).time()
    start, end = settings.watch_hours_start, settings.watch_hours_end
    return start <= local < end if start <= end else (local >= start or local < end)


def watched() -> QuerySet[WatchEntry]:
    return WatchEntry.objects.filter(ended_at__isnull=True)


def _results_in(subject: str, window: dt.timedelta) -> Exists:
    """An initial result of the subject dated at most N days before the record was put on the list."""
    counted_from = ExpressionWrapper(OuterRef("since") - Value(window), output_field=DateTimeField())
    return Exists(
        InitialAssessmentResult.objects.filter(
            learner_id=OuterRef("learner_id"), subject=subject, result_date__gte=counted_from
        )
    )


def watch_list_refresh(*, now: dt.datetime, settings: BksbSettings) -> tuple[int, int]:
    """Put recently created or invited records on the list; take off those whose results are in or whose
    time is up. Returns (added, ended); a handful of queries whatever the size of the list."""
    window = dt.timedelta(days=settings.watch_window_days)
    cutoff = now - window
    created = UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED, updated_at__gte=cutoff)
    invited = Invite.objects.filter(sent_at__gte=cutoff)
    firsts: dict[int, tuple[dt.datetime, str]] = {}
    for learner_id, when in created.values_list("learner_id", "updated_at"):
        firsts[learner_id] = (when, WatchEntry.Reason.CREATED)
    latest: dict[int, dt.datetime] = {}
    for row in invited.values("learner_id").annotate(first=Min("sent_at"), last=Max("sent_at")):
        latest[row["learner_id"]] = row["last"]
        if row["learner_id"] not in firsts or row["first"] < firsts[row["learner_id"]][0]:
            firsts[row["learner_id"]] = (row["first"], WatchEntry.Reason.INVITED)
    # Ended entries stay, so a record is not put back by the same creation or invite; a record
    # invited again after its watch ended (its time was up, or staff stopped it) is watched again.
    known = dict(WatchEntry.objects.filter(learner_id__in=firsts).values_list("learner_id", "ended_at"))
    again = [
        learner_id
        for learner_id, ended_at in known.items()
        if ended_at is not None and learner_id in latest and latest[learner_id] > ended_at
    ]
    WatchEntry.objects.filter(learner_id__in=again).exclude(end_reason=WatchEntry.EndReason.RESULTS_IN).update(
        reason=WatchEntry.Reason.INVITED, since=now, last_polled_at=None, ended_at=None, end_reason=""
    )
    fresh = [
        WatchEntry(learner_id=learner_id, reason=reason, since=since)
        for learner_id, (since, reason) in firsts.items()
        if learner_id not in known
    ]
    WatchEntry.objects.bulk_create(fresh, ignore_conflicts=True)
    ended = watched().filter(since__lt=cutoff).update(ended_at=now, end_reason=WatchEntry.EndReason.EXPIRED)
    ended += watch_results_in_end(now=now, window=window)
    return len(fresh), ended


def watch_results_in_end(*, now: dt.datetime, window: dt.timedelta, learner_ids: Sequence[int] | None = None) -> int:
    """End the watch of records whose English and maths initial assessments are both in (one query)."""
    done = watched().filter(_results_in(Subject.ENGLISH, window), _results_in(Subject.MATHS, window))
    if learner_ids is not None:
        done = done.filter(learner_id__in=learner_ids)
    return done.update(ended_at=now, end_reason=WatchEntry.EndReason.RESULTS_IN)


def watch_due(*, now: dt.datetime, settings: BksbSettings) -> QuerySet[WatchEntry]:
    """Watched records a pass should poll now: eligible for downloads, and not polled within M minutes."""
    interval = dt.timedelta(minutes=settings.watch_interval_minutes) - POLL_SLACK
    eligible = eligible_learners(settings=settings, today=timezone.localdate(now)).values("pk")
    return (
        watched()
        .filter(learner_id__in=eligible)
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=now - interval))
    )


def manual_download_running() -> bool:
    """Whether staff are waiting on a download: a manual or command-line run at work.

    One with no sign of life for 15 minutes (a run given up as stalled) keeps no pass waiting.
    """
    recent = timezone.now() - GET_RESULTS_REPLACE_AFTER
    alive = Q(heartbeat_at__gte=recent) | Q(heartbeat_at__isnull=True, created_at__gte=recent)
    return (
        Run.objects.filter(alive, finished_at__isnull=True)
        .filter(
            trigger__in=(Run.Trigger.MANUAL, Run.Trigger.COMMAND),
            kind__in=(Run.Kind.BKSB_RESULTS, Run.Kind.GET_RESULTS),
            learners__status__in=ACTIVE,
        )
        .exists()
    )


def _pass_running() -> bool:
    """An earlier pass is still at work (one given up as stalled, with no sign of life for 15 minutes, is not)."""
    last = Run.objects.filter(kind=Run.Kind.WATCH, finished_at__isnull=True).order_by("-pk").first()
    if last is None:
        return False
    stall = run_stall(last)
    return stall is None or not stall.replaceable


def watch_pass_start(
    *, trigger: str = Run.Trigger.SCHEDULED, now: dt.datetime | None = None, queue: bool = True, force: bool = False
) -> WatchPass:
    """Start one pass over the watch list: a Watch list run of the records due, worked by the usual tasks.

    None starts outside the watch hours, while a manual download runs, while the
    last pass runs, or when no record is due. `force` (the command line) ignores the hours.
    Passes finished more than a day ago are deleted (their records keep last_polled_at).
    """
    now = now or timezone.now()
    settings = BksbSettings.load()
    if not force and not within_hours(now, settings):
        return WatchPass(None, OUTSIDE_HOURS)
    if manual_download_running():
        return WatchPass(None, MANUAL_RUNNING)
    with transaction.atomic():
        BksbSettings.objects.select_for_update().get(pk=1)  # one pass starts at a time
        if _pass_running():
            return WatchPass(None, PREVIOUS_STILL_RUNNING)
        Run.objects.filter(kind=Run.Kind.WATCH, finished_at__lt=now - PASSES_KEPT).delete()
        added, ended = watch_list_refresh(now=now, settings=settings)
        due = list(
            watch_due(now=now, settings=settings).order_by("last_polled_at", "pk").values_list("learner_id", flat=True)
        )
        if not due:
            return WatchPass(None, NONE_DUE, added, ended)
        run = Run.objects.create(
            kind=Run.Kind.WATCH,
            trigger=trigger,
            status=Run.Status.RUNNING,
            stage=Run.Stage.DOWNLOADING,
            learners_total=len(due),
            started_at=now,
            heartbeat_at=now,
            planned_at=now,
        )
        BksbLink.objects.bulk_create([BksbLink(learner_id=pk) for pk in due], ignore_conflicts=True)
        parts = RunLearner.objects.bulk_create([RunLearner(run=run, learner_id=pk) for pk in due])
        ids = (
            [part.pk for part in parts]
            if all(part.pk for part in parts)
            else list(RunLearner.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
        )
        if queue:
            transaction.on_commit(lambda: run_learners_download_queue(run.pk, ids))
    return WatchPass(run, "", added, ended)


# -- one watched learner, within its download (download.py) -------------------------------------


def awaited_subjects(*, learner: Learner, window: dt.timedelta) -> list[str]:
    """The V5 course subjects whose initial assessment is not yet in for a watched record (two queries)."""
    entry = WatchEntry.objects.filter(learner=learner).only("since").first()
    found = InitialAssessmentResult.objects.filter(learner=learner, subject__in=AWAITED)
    if entry is not None:
        found = found.filter(result_date__gte=entry.since - window)
    done = set(found.values_list("subject", flat=True))
    return [code for subject, code in AWAITED.items() if subject not in done]


def watch_read(
    client: BksbClient,
    *,
    learner: Learner,
    bksb_user_id: int,
    first_download: bool,
    window: dt.timedelta,
    read_results: ReadResults,
) -> tuple[dict[str, list[AssessmentResult]] | None, SessionsRead]:
    """Poll a watched record: its awaited subjects' sessions, and its results only when needed.

    The results are read when the record was never downloaded, or when a
    finished session has no result stored yet. Returns (results, or None when
    they were not read, and the sessions read).
    """
    read = sessions_read(
        client, bksb_user_id=bksb_user_id, course_subjects=awaited_subjects(learner=learner, window=window)
    )
    finished = read.finished_ids()
    imported: set[int] = set()
    for model in (InitialAssessmentResult, DiagnosticAssessmentResult):
        stored = model.objects.filter(bksb_user_id=bksb_user_id, session_id__in=finished)
        imported.update(stored.values_list("session_id", flat=True))
    if first_download or finished - imported:
        return read_results(), read
    return None, read


def watch_polled(*, learner_id: int, now: dt.datetime, window: dt.timedelta) -> None:
    """Note the poll, and end the watch if both initial assessments are now in (inside the download's transaction)."""
    WatchEntry.objects.filter(learner_id=learner_id).update(last_polled_at=now)
    watch_results_in_end(now=now, window=window, learner_ids=[learner_id])


# -- by hand (the BKSB tab) ----------------------------------------------------------------------


def watch_add(*, learner: Learner, by: User | None, now: dt.datetime | None = None) -> WatchEntry:
    """Watch a record by hand (again, if it was watched before): polled at the next pass, for N days."""
    entry, _ = WatchEntry.objects.update_or_create(
        learner=learner,
        defaults={
            "reason": WatchEntry.Reason.BY_HAND,
            "since": now or timezone.now(),
            "added_by": by,
            "last_polled_at": None,
            "ended_at": None,
            "end_reason": "",
        },
    )
    return entry


def watch_stop(*, learner: Learner, now: dt.datetime | None = None) -> bool:
    """Stop watching a record by hand; False if it was not watched."""
    return bool(
        watched()
        .filter(learner=learner)
        .update(ended_at=now or timezone.now(), end_reason=WatchEntry.EndReason.BY_HAND)
    )
