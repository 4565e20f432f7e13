"""Match learners: probe bksb for many unlinked records as a background job, ending on the review page.

A job has an item per record. The worker takes them a chunk at a time: builds
the chunk's candidates, probes the usernames not answered today in parallel
(every request on the shared budget), and writes the chunk's suggestions, item
outcomes and counts in one transaction, so a killed worker's job resumes after
the last chunk written. At the end it marks the suggestions to pre-tick (strong,
the record's only one, held by nobody and suggested for no other record in the
run) and, only for a run started to do so (the nightly run with "Link strong
unique matches automatically", or bksb_match --link-strong-unique), links those.
Nothing else is ever linked without a person confirming it on the review page.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from bksb_integration.accounts.eligibility import unlinked_learners
from bksb_integration.accounts.linking import is_linked
from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbAuthError
from bksb_integration.api.types import Priority
from bksb_integration.config.connection import BksbNotReady, bksb_readiness
from bksb_integration.matching.probe_pool import Prober, probing
from bksb_integration.matching.suggestions import (
    RecordMatch,
    Suggestion,
    preselected,
    records_match,
    suggestion_link,
)
from bksb_integration.models import BksbSettings, MatchSuggestion
from bksb_integration.sync import queue
from jobs.kinds import JobEnd, JobFailed, JobKind
from jobs.lease import rows_claim
from jobs.models import Job, JobItem
from jobs.services import job_progress, job_start
from learners.models import Learner
from permissions import access

KIND = "bksb_match"
MOST_PER_CHUNK = 200
# A chunk should take well under the jobs' two-minute heartbeat at the budget's rate (8 probes a record at most),
# and long enough that the pause between chunks (writing one, reading the next) costs little of the budget.
CHUNK_SECONDS = 20

FOUND, NONE, INCOMPLETE, ALREADY_LINKED, DELETED = "found", "none", "incomplete", "linked", "deleted"
LABELS = {
    FOUND: "Suggestions",
    NONE: "None found",
    INCOMPLETE: "Not all checked",
    ALREADY_LINKED: "Already linked",
    DELETED: "Record deleted",
}


def match_reason(job: Job) -> str:
    """The audit trail's note on every link a run makes."""
    return f"Matching run {job.pk}"


def unlinked_ids() -> list[int]:
    """Every unlinked eligible record, by id (Match learners with no filter)."""
    settings = BksbSettings.load()
    return list(unlinked_learners(settings=settings, today=timezone.localdate()).values_list("pk", flat=True))


def bksb_match_start(
    *,
    learner_ids: list[int],
    started_by: User | None,
    link_strong_unique: bool = False,
    trigger: str = "manual",
    then_create: bool = False,
) -> Job:
    """Queue matching for these records (in reference order); with then_create, the automatic creation of
    bksb users follows once matching has linked what it could. Raises BksbNotReady when bksb cannot be asked."""
    readiness = bksb_readiness()
    if not readiness.ready:
        raise BksbNotReady(readiness.reason)
    refs = Learner.objects.filter(pk__in=learner_ids).order_by("learner_ref").values_list("pk", "learner_ref")
    items = [JobItem(subject_id=pk, subject=ref) for pk, ref in refs]
    params = {"link_strong_unique": link_strong_unique, "trigger": trigger, "then_create": then_create}
    return job_start(kind=KIND, started_by=started_by, params=params, total=len(items), items=items)


def nightly_match_start(*, then_create: bool = False) -> Job | None:
    """With "Link strong unique matches automatically" on, the nightly run also matches every unlinked record.

    Skipped while another matching run is still going (a night's run never doubles).
    """
    settings = BksbSettings.load()
    if not settings.match_link_automatically or not bksb_readiness(settings).ready:
        return None
    if Job.objects.filter(kind=KIND, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).exists():
        return None
    ids = unlinked_ids()
    if not ids:
        return None
    return bksb_match_start(
        learner_ids=ids, started_by=None, link_strong_unique=True, trigger="nightly", then_create=then_create
    )


def bksb_match_run(job: Job) -> JobEnd:
    """Probe each waiting record's candidates, chunk by chunk; then pre-tick, and link if the run was asked to."""
    settings = BksbSettings.load()
    # Someone started it (Match learners, Find in bksb), or the nightly run did.
    priority = Priority.NIGHTLY if job.params.get("trigger") == "nightly" else Priority.PERSON
    try:
        with probing(settings, priority=priority) as (prober, pool):
            job_progress(job, stage="Looking for the records in bksb")
            chunk_size = max(1, min(MOST_PER_CHUNK, int(settings.requests_per_second * CHUNK_SECONDS / 8)))
            while chunk := _items_claim(job, chunk_size):
                _chunk_match(job, chunk, settings, prober, pool)
            preselect_mark(job)
            if job.params.get("link_strong_unique"):
                job_progress(job, stage="Linking strong unique matches")
                _strong_unique_link(job, prober.client(), prober)
            if job.params.get("then_create"):
                # Only now: a record matching just linked must not get a second bksb user.
                queue.auto_create_queue(reason="the nightly matching")
    except BksbNotReady as exc:
        raise JobFailed(str(exc)) from None
    except BksbAuthError:
        raise JobFailed("bksb refused the key: check the Access Key ID and Secret Access Key.") from None
    return _end(job)


def _items_claim(job: Job, size: int) -> list[JobItem]:
    ids = list(JobItem.objects.filter(job=job, outcome=JobItem.PENDING).order_by("position").values_list("pk")[:size])
    pks = [pk for (pk,) in ids]
    rows_claim(
        JobItem.objects.filter(pk__in=pks),
        free=Q(outcome=JobItem.PENDING),
        beat="claimed_at",
        now=timezone.now(),
        outcome=JobItem.RUNNING,
        attempts=F("attempts") + 1,
    )
    return list(JobItem.objects.filter(pk__in=pks, outcome=JobItem.RUNNING).order_by("position"))


def _chunk_match(
    job: Job, items: list[JobItem], settings: BksbSettings, prober: Prober, pool: ThreadPoolExecutor
) -> None:
    learners = Learner.objects.select_related("web_user__user", "bksb_link").in_bulk([i.subject_id for i in items])
    todo = [learners[i.subject_id] for i in items if i.subject_id in learners and not is_linked(learners[i.subject_id])]
    before = prober.counter.count
    matches = {m.learner.pk: m for m in records_match(learners=todo, settings=settings, ask=prober.ask, pool=pool)}
    _stop_if_unreachable(list(matches.values()))
    for item in items:
        _item_outcome(item, learners.get(item.subject_id or 0), matches.get(item.subject_id or 0))
    added = {
        "requests": prober.counter.count - before,
        "candidates": sum(len(m.candidates) for m in matches.values()),
        "records_found": sum(1 for m in matches.values() if m.suggestions),
        "suggestions": sum(len(m.suggestions) for m in matches.values()),
    }
    with transaction.atomic():
        MatchSuggestion.objects.bulk_create(_rows(job, matches.values()), ignore_conflicts=True)
        JobItem.objects.bulk_update(items, ["outcome", "ok", "message", "detail", "finished_at"])
        job_progress(job, done=len(items), failed=sum(1 for i in items if not i.ok), add=added)


def _stop_if_unreachable(matches: list[RecordMatch]) -> None:
    """A chunk where no name at all could be asked means bksb is down: stop rather than fail every record.

    The chunk's items are still claimed, so Try again (a resume) hands them out again.
    """
    asked = sum(len(m.candidates) for m in matches)
    errors = [error for m in matches for error in m.errors]
    if errors and len(errors) == asked:
        raise JobFailed(f"bksb could not be asked ({errors[0]}). What was checked is kept: Try again carries on.")


def _item_outcome(item: JobItem, learner: Learner | None, match: RecordMatch | None) -> None:
    item.finished_at = timezone.now()
    if learner is None:
        item.outcome, item.ok, item.message = DELETED, True, "The record was deleted before its turn."
    elif match is None:
        item.outcome, item.ok, item.message = ALREADY_LINKED, True, "Linked to a bksb user already."
    elif match.errors:
        item.outcome, item.ok = INCOMPLETE, False
        item.message = f"bksb could not be asked about {len(match.errors)} name(s): {match.errors[0]}"[:1000]
    else:
        item.outcome, item.ok = (FOUND if match.suggestions else NONE), True
        item.message = ", ".join(s.username for s in match.suggestions)[:1000]
    item.detail = f"{len(match.candidates)} candidates" if match is not None else ""


def _rows(job: Job, matches: Any) -> list[MatchSuggestion]:
    return [
        MatchSuggestion(
            job=job,
            learner=match.learner,
            username=s.username,
            bksb_user_id=s.bksb_user_id,
            reason=s.reason,
            strength=s.strength,
            position=position,
            held_by=s.held_by,
        )
        for match in matches
        for position, s in enumerate(match.suggestions)
    ]


def preselect_mark(job: Job) -> int:
    """Mark the run's suggestions to pre-tick: strong, the record's only one, held by nobody, for nobody else."""
    rows = MatchSuggestion.objects.filter(job=job)
    alone = rows.values("learner_id").annotate(n=Count("pk")).filter(n=1).values("learner_id")
    shared = rows.values("bksb_user_id").annotate(n=Count("learner_id", distinct=True)).filter(n__gt=1)
    picked = rows.filter(learner_id__in=alone, strength=MatchSuggestion.Strength.STRONG, held_by__isnull=True).exclude(
        bksb_user_id__in=shared.values("bksb_user_id")
    )
    rows.exclude(pk__in=picked.values("pk")).update(preselected=False)
    return picked.update(preselected=True)


def _strong_unique_link(job: Job, client: BksbClient, prober: Prober) -> None:
    """Link every pre-ticked suggestion, noting the run in the audit trail; each record's outcome counted."""
    linked = failed = 0
    before, reason = prober.counter.count, match_reason(job)
    rows = MatchSuggestion.objects.filter(job=job, preselected=True).select_related("learner__web_user__user")
    for suggestion in rows.order_by("learner__learner_ref"):
        result = suggestion_link(
            learner=suggestion.learner, username=suggestion.username, client=client, reason=reason, by=None
        )
        linked += result.ok
        failed += not result.ok
    job_progress(job, add={"requests": prober.counter.count - before}, mark={"linked": linked, "link_failed": failed})


def _end(job: Job) -> JobEnd:
    job.refresh_from_db(fields=["done", "failed", "total"])
    totals = job.totals
    message = (
        f"{job.done} record{'s' * (job.done != 1)} checked with {totals.get('requests', 0)} requests to bksb: "
        f"{totals.get('records_found', 0)} with suggestions"
    )
    if "linked" in totals:
        message += f", {totals['linked']} linked automatically"
    if job.failed:
        message += f"; {job.failed} not fully checked (bksb could not be asked)"
    return JobEnd(message + ".", partial=job.failed > 0 or bool(totals.get("link_failed")))


# -- in the foreground (bksb_match) ---------------------------------------------------------------


@dataclass(frozen=True)
class ForegroundMatch:
    matches: list[RecordMatch]
    requests: int


def records_match_foreground(*, learners: list[Learner], settings: BksbSettings) -> ForegroundMatch:
    """Match these records in this process, with the same probing (threads, budget, cache) as a run."""
    found: list[RecordMatch] = []
    with probing(settings) as (prober, pool):
        for start in range(0, len(learners), MOST_PER_CHUNK):
            todo = [x for x in learners[start : start + MOST_PER_CHUNK] if not is_linked(x)]
            found += records_match(learners=todo, settings=settings, ask=prober.ask, pool=pool)
        return ForegroundMatch(found, prober.counter.count)


def strong_unique(matches: list[RecordMatch]) -> dict[int, Suggestion]:
    """By learner id, the suggestion a run would pre-tick (and link when asked to)."""
    suggested: dict[int, set[int]] = {}
    for match in matches:
        for s in match.suggestions:
            suggested.setdefault(s.bksb_user_id, set()).add(match.learner.pk)
    return {
        match.learner.pk: match.suggestions[0]
        for match in matches
        if preselected(
            match.suggestions,
            suggested_elsewhere=bool(match.suggestions) and len(suggested[match.suggestions[0].bksb_user_id]) > 1,
        )
    }


def bksb_match_context(job: Job) -> dict[str, Any]:
    """The window's part: the counts, and for a one-record run (Find in bksb) its suggestions."""
    totals = job.totals
    context: dict[str, Any] = {
        "totals": [
            ("Records checked", job.done),
            ("Requests to bksb", totals.get("requests", 0)),
            ("Candidates", totals.get("candidates", 0)),
            ("Records with suggestions", totals.get("records_found", 0)),
        ],
        "single": job.total == 1,
    }
    if "linked" in totals:
        context["totals"].append(("Linked automatically", totals["linked"]))
    if job.total == 1 and job.is_finished:
        item = JobItem.objects.filter(job=job).first()
        context["item"] = item
        context["suggestions"] = list(
            MatchSuggestion.objects.filter(job=job).select_related("learner", "held_by").order_by("position")
        )
    return context


BKSB_MATCH = JobKind(
    code=KIND,
    title="Match learners in bksb",
    unit="records",
    run=bksb_match_run,
    may_run=access.can_link_records,
    template="bksb_integration/matching/_match_job.html",
    context=bksb_match_context,
)
