"""Downloading learners' bksb results: only what changed since last time.

One flow, read top-down in run_learners_download:

    claim -> lease -> read pages -> one transaction -> release

bksb's result lists are newest first and have no "changed since" filter, so
a download reads pages until it reaches results older than the learner's last
download (less a safety overlap). One transaction then stores everything read,
moves the last-download time, records the outcome on the link and on the
learner's row of the run, and releases the lease. A failure part-way stores
nothing and leaves the time where it was; trying again completes the job.
Claims and leases expire (jobs.lease.STALE_AFTER), so a killed worker leaves
nothing stuck; the run's counts move once per chunk of learners (runs.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field

import requests
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from bksb_integration.accounts.linking import (
    BksbUserLost,
    LinkError,
    UsernameNotFound,
    bksb_user_holders,
    bksb_user_id_resolve,
    bksb_user_relink,
    held_message,
    is_resolved,
    last_download_link_fields,
    last_download_time,
)
from bksb_integration.accounts.usernames import username_in_effect
from bksb_integration.api.client import BksbClient, pooled_session
from bksb_integration.api.errors import (
    BksbAuthError,
    BksbError,
    BksbNotFound,
    BksbTransientError,
    BksbUserNotFound,
)
from bksb_integration.api.types import AssessmentResult
from bksb_integration.config.connection import BksbNotReady, bksb_client
from bksb_integration.config.mapping import Mapper
from bksb_integration.config.wording import bksb_error_words
from bksb_integration.models import BksbLink, BksbSettings, Run, RunLearner, Unmatched
from bksb_integration.models.induction import assessment_status_stale
from bksb_integration.sync.breaker import run_transport_failure
from bksb_integration.sync.budget import CountingThrottle, shared_throttle
from bksb_integration.sync.heartbeat import ChunkHeartbeat
from bksb_integration.sync.results_store import UpsertCounts, learner_results_store
from bksb_integration.sync.runs import KEY_REFUSED, Tally, run_counts_add, run_priority, run_stop
from bksb_integration.sync.sessions import (
    V5_SUBJECTS,
    SessionsRead,
    sessions_read,
    sessions_store,
    subjects_with_unseen_sessions,
)
from bksb_integration.sync.watch import manual_download_running, watch_polled, watch_read
from jobs.lease import STALE_AFTER, rows_claim
from learners.models import Learner
from ops.logs import log_context

logger = logging.getLogger(__name__)

# Results are read back this far before the last download, so that nothing is
# missed around clock changes or when bksb records a result a little late.
OVERLAP = dt.timedelta(days=2)
RECORDS_PER_PAGE = 100
MAPPER_TTL = dt.timedelta(seconds=30)
LISTS = ("initial", "diagnostic")
NOT_A_BKSB_USER = "This record is not a BKSB User, or has no BKSB Username or web user account."

# Runs of many learners: a refused key stops them, and bksb not answering pauses them.
BULK_KINDS = (Run.Kind.GET_RESULTS, Run.Kind.WATCH)

SUCCEEDED, FAILED, BUSY, NOT_CLAIMED = "succeeded", "failed", "busy", "not-claimed"
# The bksb user id stopped resolving and the username names nobody: not a failure, a record to match.
UNMATCHED = "unmatched"
# What stops a chunk part-way: the run paused (bksb is not answering) or stopped (bksb refused the key).
PAUSED, STOPPED = "paused", "stopped"
# A watch pass's learners handed back because a manual download is waiting: queue them again shortly.
YIELDED = "yielded"


class DownloadFailed(Exception):
    """A learner's download failed; the message is fit to show staff."""


@dataclass
class DownloadResult:
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    run: Run | None = None


def run_learners_download(
    *, run_id: int, run_learner_ids: list[int], client: BksbClient | None = None
) -> dict[int, str]:
    """Download the results of some of a run's learners, one after another.

    Returns what happened to each id: succeeded, failed, busy (another download
    of the learner holds its lease: try again shortly), yielded (a watch pass
    stepped aside for a manual download: queue again shortly) or not-claimed
    (another worker has it, it is done, or its run is paused or stopped). Safe to call
    twice for the same ids. Every request draws on the budget all workers
    share (budget.py), unless a `client` is given (a download in the
    foreground). In a Get Results run, learners that cannot reach bksb feed
    the run's circuit breaker (breaker.py), and a refused key stops the run.
    """
    token = secrets.randbits(62)
    with ExitStack() as stack:
        stack.enter_context(log_context(run_id=run_id))
        stack.enter_context(commits_without_waiting())
        parts, busy = _claim(run_learner_ids, token)
        outcomes = dict.fromkeys(run_learner_ids, NOT_CLAIMED) | dict.fromkeys(busy, BUSY)
        if not parts:
            return outcomes
        settings = BksbSettings.load()
        heartbeat = stack.enter_context(ChunkHeartbeat(run=parts[0].run, token=token, parts=parts))
        bucket = shared_throttle(rate=settings.requests_per_second)
        run = parts[0].run
        counter = CountingThrottle(bucket, sleep=heartbeat.sleep, priority=run_priority(run), label=run.kind)
        tally = Tally()
        not_ready = ""
        if client is None:
            try:
                client = stack.enter_context(
                    bksb_client(settings, throttle=counter, session=_session(), sleep=heartbeat.sleep)
                )
            except BksbNotReady as exc:
                not_ready = str(exc)
        finished: set[int] = set()
        try:
            holders = bksb_user_holders(links=[part.learner.bksb_link for part in parts])
            for part in parts:
                if part.run.kind == Run.Kind.WATCH and manual_download_running():
                    # Staff are waiting on a download: the watch pass steps aside and comes back later.
                    outcomes |= {other.pk: YIELDED for other in parts if other.pk not in finished}
                    break
                with log_context(learner_id=part.learner_id):
                    outcome = _learner_download(part, client, not_ready, heartbeat, holders, tally)
                outcomes[part.pk] = outcome
                if outcome == STOPPED:
                    break  # the key, not this learner: it was not tried either
                finished.add(part.pk)
                heartbeat.finished(part)
                if outcome == PAUSED:
                    break
        except Exception:
            _chunk_end(run_id, parts, finished, token, tally, counter)
            raise
        _chunk_end(run_id, parts, finished, token, tally, counter)
        if STOPPED in outcomes.values():
            run_stop(run_id=run_id, reason=KEY_REFUSED)
    return outcomes


def _chunk_end(
    run_id: int, parts: list[RunLearner], finished: set[int], token: int, tally: Tally, counter: CountingThrottle
) -> None:
    """Whatever ended the chunk (a pause, a refused key, an error), the learners it did
    not finish go back to wait, and what it did is counted once. (A process killed
    outright does neither: its claims go stale and the sweeper takes over.)"""
    _hand_back([part for part in parts if part.pk not in finished], token)
    tally.requests = counter.count
    run_counts_add(run_id=run_id, tally=tally)


def run_learner_download(*, run_learner_id: int) -> str:
    """One learner of a run (a BKSB Results click, a retry): what happened to it, as above."""
    run_id = RunLearner.objects.filter(pk=run_learner_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return NOT_CLAIMED  # the run was deleted from history meanwhile
    return run_learners_download(run_id=run_id, run_learner_ids=[run_learner_id])[run_learner_id]


# -- claim and lease ---------------------------------------------------------------------------


def _claim(run_learner_ids: list[int], token: int) -> tuple[list[RunLearner], list[int]]:
    """Claim what is free of these learners, and take their download leases.

    Returns (the parts this process now holds, the ids handed back because
    another download holds the learner's lease).
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = rows_claim(
            RunLearner.objects.filter(
                pk__in=run_learner_ids, run__finished_at__isnull=True, run__paused_until__isnull=True
            ),
            free=Q(status=RunLearner.Status.PENDING),
            held=Q(status=RunLearner.Status.RUNNING),
            beat="claimed_at",
            now=now,
            status=RunLearner.Status.RUNNING,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
        if not claimed:
            return [], []
        mine = RunLearner.objects.filter(pk__in=run_learner_ids, claim_token=token)
        lease_free = Q(download_lease_until__isnull=True) | Q(download_lease_until__lt=now)
        BksbLink.objects.filter(learner_id__in=mine.values("learner_id")).filter(lease_free).update(
            download_lease_until=now + STALE_AFTER, download_lease_owner=token
        )
        parts = list(mine.select_related("run", "learner__web_user__user", "learner__bksb_link").order_by("pk"))
        busy = [part.pk for part in parts if not _leased(part, token)]
        if busy:
            mine.filter(pk__in=busy).update(status=RunLearner.Status.PENDING, claimed_at=None, claim_token=None)
        queued = {part.run_id for part in parts if part.run.status == Run.Status.QUEUED}
        if queued:
            Run.objects.filter(pk__in=queued, status=Run.Status.QUEUED).update(
                status=Run.Status.RUNNING, started_at=now
            )
    return [part for part in parts if part.pk not in busy], busy


def _hand_back(parts: list[RunLearner], token: int) -> None:
    """Give up the claims and leases of learners this process will not download now."""
    ids = [part.pk for part in parts]
    RunLearner.objects.filter(pk__in=ids, claim_token=token).update(
        status=RunLearner.Status.PENDING, claimed_at=None, claim_token=None
    )
    BksbLink.objects.filter(learner_id__in=[part.learner_id for part in parts], download_lease_owner=token).update(
        download_lease_until=None, download_lease_owner=None
    )


def _leased(part: RunLearner, token: int) -> bool:
    try:
        return part.learner.bksb_link.download_lease_owner == token
    except BksbLink.DoesNotExist:
        return False  # a link appears with a first download's start; handed back, it is tried again


# -- one learner: read pages, then one transaction ----------------------------------------------


@dataclass(frozen=True)
class _Plan:
    learner: Learner
    bksb_user_id: int
    stop_before: dt.datetime | None
    started: dt.datetime


class _ClaimLost(Exception):
    """Another worker took this learner over (this one was presumed dead): store nothing."""


def _learner_download(
    part: RunLearner,
    client: BksbClient | None,
    not_ready: str,
    progress: ChunkHeartbeat,
    holders: dict[int, Learner],
    tally: Tally,
) -> str:
    """Download one claimed learner and record the outcome; a learner's errors are handled here."""
    token, get_results = progress.token, part.run.kind in BULK_KINDS
    sessions = SessionsRead()
    try:
        if client is None:
            raise DownloadFailed(not_ready)
        plan = _plan(part.learner, client, progress, holders.get(part.learner_id))
        plan, pages, sessions = _read_with_sessions(client, plan, progress, part.run)
        progress.stage(Run.Stage.SAVING)
        with transaction.atomic():
            counts = _store(plan, pages or {kind: [] for kind in LISTS})
            stored = sessions_store(
                learner_id=plan.learner.pk,
                bksb_user_id=plan.bksb_user_id,
                read=sessions,
                mapper=_mapper(),
                now=plan.started,
            )
            if counts.created or counts.updated or stored.sessions:
                # The stored assessment status, once for both, in this transaction.
                assessment_status_stale(learner_ids=[plan.learner.pk], now=plan.started)
            # The new high-water mark is when reading began: anything recorded
            # in bksb while we were paging is read again next time.
            link = part.learner.bksb_link
            moved = {} if pages is None else last_download_link_fields(part.learner, link, plan.started)
            if part.run.kind == Run.Kind.WATCH:
                watch_polled(learner_id=plan.learner.pk, now=plan.started, window=_watch_window())
            if not _finish(part, token, counts=counts, error="", note=sessions.problem, link=moved):
                raise _ClaimLost
    except _ClaimLost:
        return NOT_CLAIMED
    except BksbUserLost as exc:
        if not _finish(part, token, counts=None, error=str(exc), unmatched=(Unmatched.USER_ID_LOST, exc.username)):
            return NOT_CLAIMED
        tally.add(unmatched=True, message="" if get_results else str(exc))
        return UNMATCHED
    except Exception as exc:  # one learner's fault must never stop the others
        if get_results and isinstance(exc, BksbAuthError):
            return STOPPED  # the key, not the learner: no other learner would fare better
        error = failure_message(exc)
        if not isinstance(exc, (DownloadFailed, LinkError, BksbError)):
            logger.exception("download of learner %s failed", part.learner_id)
        unmatched = (Unmatched.USERNAME_NOT_FOUND, username_in_effect(part.learner)[0])
        if not _finish(part, token, counts=None, error=error, unmatched=unmatched if _unknown(exc) else None):
            return NOT_CLAIMED
        tally.add(failed=True, message="" if get_results else error)
        tally.add_sessions(sessions.session_requests, sessions.eoa_requests)
        if get_results and isinstance(exc, BksbTransientError) and run_transport_failure(run_id=part.run_id):
            return PAUSED
        return FAILED
    tally.add(counts=counts)
    tally.add_sessions(sessions.session_requests, sessions.eoa_requests, stored.sessions, stored.skills)
    return SUCCEEDED


def _plan(learner: Learner, client: BksbClient, progress: ChunkHeartbeat, holder: Learner | None) -> _Plan:
    """Which bksb user to read, and from when."""
    username, _ = username_in_effect(learner)
    if not username:
        raise DownloadFailed(NOT_A_BKSB_USER)
    link = learner.bksb_link
    previous_user_id = link.bksb_user_id
    if is_resolved(link, username) and previous_user_id:
        # The other-holder check for resolved links was made for the whole chunk at once.
        if holder is not None:
            raise LinkError(held_message(username=username, bksb_user_id=previous_user_id, holder=holder))
        user_id = previous_user_id
    else:
        progress.stage(Run.Stage.RESOLVING)
        user_id = bksb_user_id_resolve(link=link, username=username, client=client)
    # A different bksb user (the username was changed elsewhere): read their whole history.
    since = last_download_time(learner, link) if previous_user_id in (None, user_id) else None
    return _Plan(learner, user_id, since - OVERLAP if since else None, timezone.now())


def _read_or_relink(
    client: BksbClient, plan: _Plan, progress: ChunkHeartbeat
) -> tuple[_Plan, dict[str, list[AssessmentResult]]]:
    """Read the plan's pages; if bksb no longer knows its user id (bksb merged the user), follow the
    username to the user it names now and read that user's whole history (BksbUserLost if none)."""
    try:
        return plan, _read(client, plan, progress)
    except BksbNotFound as exc:
        if isinstance(exc, BksbUserNotFound):
            raise
    progress.stage(Run.Stage.RESOLVING)
    learner = plan.learner
    username, _ = username_in_effect(learner)
    user_id = bksb_user_relink(link=learner.bksb_link, username=username, client=client)
    logger.info("learner %s relinked from bksb user %s to %s", learner.learner_ref, plan.bksb_user_id, user_id)
    plan = _Plan(learner, user_id, None, timezone.now())
    return plan, _read(client, plan, progress)


def _unknown(exc: Exception) -> bool:
    """bksb has no user of the username in effect: the record goes on the unmatched report."""
    return isinstance(exc, UsernameNotFound)


def _read(client: BksbClient, plan: _Plan, progress: ChunkHeartbeat) -> dict[str, list[AssessmentResult]]:
    """Every page of both lists back to the plan's stop time (the client stops paging there)."""
    fetch = {"initial": client.initial_assessment_pages, "diagnostic": client.diagnostic_assessment_pages}
    read: dict[str, list[AssessmentResult]] = {}
    for kind in LISTS:
        read[kind] = []
        for page in fetch[kind](plan.bksb_user_id, stop_before=plan.stop_before, records_per_page=RECORDS_PER_PAGE):
            progress.page(kind, page.page, page.total_pages)
            read[kind].extend(page.results)
    return read


def _read_with_sessions(
    client: BksbClient, plan: _Plan, progress: ChunkHeartbeat, run: Run
) -> tuple[_Plan, dict[str, list[AssessmentResult]] | None, SessionsRead]:
    """The results, and the sessions that are needed (sessions.py): all of them when staff asked,
    those of new results' unseen sessions otherwise; a watched record as watch.py polls it
    (its results are None when they were not read). The plan comes back changed when the
    download followed a merged bksb user to its new id (_read_or_relink); a watch pass leaves
    that to the next download."""
    if run.kind == Run.Kind.WATCH:
        pages, sessions = watch_read(
            client,
            learner=plan.learner,
            bksb_user_id=plan.bksb_user_id,
            first_download=plan.stop_before is None,
            window=_watch_window(),
            read_results=lambda: _read(client, plan, progress),
        )
        return plan, pages, sessions
    plan, pages = _read_or_relink(client, plan, progress)
    if run.with_sessions:
        subjects: list[str] = list(V5_SUBJECTS)
    else:
        # Only results inside the download's window can be new: the rest of the last page was read before.
        new = [
            r for kind in LISTS for r in pages[kind] if plan.stop_before is None or r.result_date >= plan.stop_before
        ]
        subjects = subjects_with_unseen_sessions(bksb_user_id=plan.bksb_user_id, results=new)
    # Get Results for everyone leaves the skills reports to the backfill; a person asking "with sessions" waits on them.
    with_skills = run.kind != Run.Kind.GET_RESULTS or run.with_sessions
    read = sessions_read(client, bksb_user_id=plan.bksb_user_id, course_subjects=subjects, with_skills=with_skills)
    return plan, pages, read


def _watch_window() -> dt.timedelta:
    return dt.timedelta(days=BksbSettings.load().watch_window_days)


def _store(plan: _Plan, pages: dict[str, list[AssessmentResult]]) -> UpsertCounts:
    return learner_results_store(
        learner_id=plan.learner.pk,
        bksb_user_id=plan.bksb_user_id,
        pages=pages,
        mapper=_mapper(),
        now=plan.started,
    )


def _finish(
    part: RunLearner,
    token: int,
    *,
    counts: UpsertCounts | None,
    error: str,
    note: str = "",
    unmatched: tuple[str, str] | None = None,
    link: dict[str, object] | None = None,
) -> bool:
    """Record the outcome on the link and the run's row, and release the lease.

    `link` holds more of the link's fields to write in the same update (the last-download time).

    `unmatched` (why, the username in effect) puts the record on the unmatched
    report; a download that worked takes it off. Returns False when this
    process no longer held the learner's claim (another worker took it over):
    then nothing is counted twice.
    """
    now = timezone.now()
    done = counts or UpsertCounts()
    if unmatched is not None and unmatched[0] == Unmatched.USER_ID_LOST:
        status = RunLearner.Status.UNMATCHED
    else:
        status = RunLearner.Status.FAILED if error else RunLearner.Status.SUCCEEDED
    ours = RunLearner.objects.filter(pk=part.pk, claim_token=token).update(
        status=status,
        finished_at=now,
        error=error[:500],
        results_created=done.created,
        results_updated=done.updated,
        results_unchanged=done.unchanged,
    )
    if ours != 1:
        return False
    marks: dict[str, object] = {}
    if unmatched is not None:
        marks = {"unmatched": unmatched[0], "unmatched_username": unmatched[1][:150], "unmatched_at": now}
    elif not error:
        marks = {"unmatched": "", "unmatched_username": ""}
    BksbLink.objects.filter(learner_id=part.learner_id, download_lease_owner=token).update(
        last_outcome=status,
        last_outcome_at=now,
        last_message=(error or _summary(counts, note))[:500],
        download_lease_until=None,
        download_lease_owner=None,
        **marks,
        **(link or {}),
    )
    return True


def _summary(counts: UpsertCounts | None, note: str = "") -> str:
    c = counts or UpsertCounts()
    summary = f"{c.created} new, {c.updated} updated, {c.unchanged} unchanged."
    return f"{summary} Note: {note}." if note else summary


# -- per worker thread ---------------------------------------------------------------------------

_local = threading.local()


def _session() -> requests.Session:
    """One pooled HTTP session per worker thread, reused across learners (keep-alive)."""
    if getattr(_local, "session", None) is None:
        _local.session = pooled_session()
    session: requests.Session = _local.session
    return session


_mapper_generation = 0


def mappers_forget() -> None:
    """Every thread of this process reads the mapping tables afresh at its next learner."""
    global _mapper_generation
    _mapper_generation += 1


def _mapper() -> Mapper:
    """The mapping tables, read at most every 30 s per worker thread (or after mappers_forget)."""
    now = timezone.now()
    cached: tuple[dt.datetime, int, Mapper] | None = getattr(_local, "mapper", None)
    if cached is None or cached[0] < now - MAPPER_TTL or cached[1] != _mapper_generation:
        _local.mapper = cached = (now, _mapper_generation, Mapper.load())
    return cached[2]


@contextmanager
def commits_without_waiting() -> Iterator[None]:
    """While downloading, PostgreSQL commits without waiting for each disk flush.

    Safe here: a learner's results, last-download time and outcome commit
    together, so a crash that loses a commit loses all three, and the learner
    is simply downloaded again; a lost claim is claimed again. It saves a disk
    flush per learner, which is most of a run's database time. Set for the
    session once per chunk of learners, and reset after.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def failure_message(exc: Exception) -> str:
    """Plain words for staff (config/wording.py for bksb's own errors); never a secret."""
    if isinstance(exc, (LinkError, BksbNotReady, DownloadFailed)):
        return str(exc)
    if isinstance(exc, BksbError):
        return bksb_error_words(exc)
    return "The download failed unexpectedly; nothing was changed."
