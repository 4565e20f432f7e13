"""Retention: the period each kind of record is kept, what is past it today, and the run that anonymises it.

Each kind's period is counted from the date that ends the college's need for the record:
- learners: their end date, once their learning is over (completed, withdrawn or transferred);
- applicants never enrolled: when the record came in (and its start date, if later);
- bksb results: each result's date (a session's: finished, else started, else first seen).
A record under an audit hold is never touched, nor are its results; one already anonymised is left alone.
No period set (the default) means keep: nothing of that kind is ever anonymised or deleted.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from bksb_integration.models import AssessmentSession, DiagnosticAssessmentResult, InitialAssessmentResult
from learners.models import Kind, Learner, LearningStatus
from privacy.anonymise import learners_anonymise
from privacy.models import PrivacyEvent, RecordKind, RetentionPeriod

LEARNING_OVER = (LearningStatus.COMPLETED, LearningStatus.WITHDRAWN, LearningStatus.TRANSFERRED)
CHUNK = 500

Periods = dict[str, int | None]
ResultRow = TypeVar("ResultRow", InitialAssessmentResult, DiagnosticAssessmentResult)


def retention_periods() -> Periods:
    """Each kind's period in months; None means keep."""
    stored = dict(RetentionPeriod.objects.values_list("kind", "months"))
    return {kind: stored.get(kind) for kind in RecordKind.values}


def retention_periods_set(*, periods: Mapping[str, int | None], by: User) -> PrivacyEvent | None:
    """Store the periods (None: keep); the change is recorded in the audit trail. None when nothing changed."""
    before = retention_periods()
    after = {kind: periods.get(kind) for kind in RecordKind.values}
    if after == before:
        return None
    with transaction.atomic():
        for kind, months in after.items():
            RetentionPeriod.objects.update_or_create(kind=kind, defaults={"months": months, "changed_by": by})
        return PrivacyEvent.objects.create(
            action=PrivacyEvent.Action.PERIODS_CHANGED, by=by, counts={"before": before, "after": after}
        )


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class RetentionPlan:
    """What a run would do today with these periods: the records and rows past them, and those held back."""

    periods: Periods
    cutoffs: dict[str, dt.date | None]
    learners: QuerySet[Learner]
    applicants: QuerySet[Learner]
    held: QuerySet[Learner]
    initial_results: QuerySet[InitialAssessmentResult]
    diagnostic_results: QuerySet[DiagnosticAssessmentResult]
    sessions: QuerySet[AssessmentSession]

    @property
    def anything_set(self) -> bool:
        return any(months is not None for months in self.periods.values())

    def counts(self) -> dict[str, int]:
        return {
            "learners": self.learners.count(),
            "applicants": self.applicants.count(),
            "held": self.held.count(),
            "initial_results": self.initial_results.count(),
            "diagnostic_results": self.diagnostic_results.count(),
            "sessions": self.sessions.count(),
        }


def retention_plan(*, periods: Periods | None = None, today: dt.date | None = None) -> RetentionPlan:
    """What is past its period today (or on `today`), with the stored periods or those given (a preview)."""
    periods = retention_periods() if periods is None else periods
    today = today or timezone.localdate()
    cutoffs = {kind: None if m is None else months_before(today, m) for kind, m in periods.items()}
    open_records = Learner.objects.filter(anonymised__isnull=True)
    learners_past = _learners_past(open_records, cutoffs.get(RecordKind.LEARNERS))
    applicants_past = _applicants_past(open_records, cutoffs.get(RecordKind.APPLICANTS))
    results_cutoff = cutoffs.get(RecordKind.BKSB_RESULTS)
    return RetentionPlan(
        periods=periods,
        cutoffs=cutoffs,
        learners=learners_past.filter(audit_hold__isnull=True),
        applicants=applicants_past.filter(audit_hold__isnull=True),
        held=(learners_past | applicants_past).filter(audit_hold__isnull=False),
        initial_results=_results_past(InitialAssessmentResult.objects.all(), results_cutoff),
        diagnostic_results=_results_past(DiagnosticAssessmentResult.objects.all(), results_cutoff),
        sessions=_sessions_past(results_cutoff),
    )


def _learners_past(records: QuerySet[Learner], cutoff: dt.date | None) -> QuerySet[Learner]:
    if cutoff is None:
        return records.none()
    return records.filter(kind=Kind.LEARNER, learning_status__in=LEARNING_OVER, end_date__lte=cutoff)


def _applicants_past(records: QuerySet[Learner], cutoff: dt.date | None) -> QuerySet[Learner]:
    if cutoff is None:
        return records.none()
    came_in = Q(created_at__date__lte=cutoff) & (Q(start_date__isnull=True) | Q(start_date__lte=cutoff))
    return records.filter(came_in, kind=Kind.APPLICANT)


def _results_past(rows: QuerySet[ResultRow], cutoff: dt.date | None) -> QuerySet[ResultRow]:
    if cutoff is None:
        return rows.none()
    return rows.filter(result_date__date__lte=cutoff, learner__audit_hold__isnull=True)


def _sessions_past(cutoff: dt.date | None) -> QuerySet[AssessmentSession]:
    if cutoff is None:
        return AssessmentSession.objects.none()
    when = Coalesce("completed_at", "started_at", "first_seen_at")
    return AssessmentSession.objects.alias(when=when).filter(when__date__lte=cutoff, learner__audit_hold__isnull=True)


def retention_run(*, by: User | None, today: dt.date | None = None) -> PrivacyEvent | None:
    """Anonymise the records and delete the results past their periods; the run is recorded in the audit trail.

    None when every kind is kept (nothing can be due). Records go in chunks, each in its own transaction,
    and the run's counts move with each, so a run stopped half-way has recorded exactly what it did.
    """
    plan = retention_plan(today=today)
    if not plan.anything_set:
        return None
    event = PrivacyEvent.objects.create(
        action=PrivacyEvent.Action.RETENTION_RUN,
        by=by,
        reason="Past the retention period",
        counts={"periods": plan.periods},
    )
    ids = list(plan.learners.values_list("pk", flat=True)) + list(plan.applicants.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            due = _still_due(ids[start : start + CHUNK])
            _counts_add(event, learners_anonymise(learner_ids=due, event=event))
    with transaction.atomic():
        deleted: Counter[str] = Counter()
        for rows in (plan.initial_results, plan.diagnostic_results, plan.sessions):
            for label, count in rows.delete()[1].items():
                deleted[label] += count
        _counts_add(event, deleted)
    return event


def _still_due(ids: list[int]) -> list[int]:
    """Lock the records, then leave out any held or anonymised since the plan was read (a hold or an erasure
    locks the record's row first too, so it is either seen here or waits for this chunk)."""
    locked = list(Learner.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    open_records = Learner.objects.filter(pk__in=locked, audit_hold__isnull=True, anonymised__isnull=True)
    return list(open_records.values_list("pk", flat=True))


def _counts_add(event: PrivacyEvent, done: Mapping[str, int]) -> None:
    totals = Counter(event.counts.get("done", {}))
    totals.update(done)
    event.counts = {**event.counts, "done": dict(totals)}
    event.save(update_fields=["counts"])
