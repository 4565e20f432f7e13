"""Keeping the stored assessment status (`bksb_assessment_status`) equal to the facts it rests on.

`assessment_status_refresh(learner_ids=...)` works the records' status out from the
tables (induction/status.py) and writes their rows. Every write of a fact says so
inside its own transaction (`models.induction.assessment_status_stale`: those parts sit
below this feature), and `status_facts_changed` here answers in that same transaction,
so the fact and the status commit together:

- a download storing results or sessions (sync/download.py, once for both);
- linking and relinking (accounts/linking.py), creating a bksb user (creation/user_create.py);
- sending an invite (accounts/invites.py).

`assessment_status_rebuild()` (the `bksb_rebuild_status` command) fills the table after
upgrading, or whenever it is in doubt.

The records' rows are locked first (in order), so two transactions changing the same
record's facts take turns, and the second works the status out from what the first
committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bksb_integration.induction.status import SUBJECTS, assessment_facts_computed, stage_of, step_dates
from bksb_integration.models import (
    AssessmentProgress,
    AssessmentSession,
    BksbLink,
    InitialAssessmentResult,
    Invite,
    Step,
    UserCreationRequest,
)

CHUNK = 1000
_WRITTEN = [field.name for field in AssessmentProgress._meta.concrete_fields if not field.primary_key]


def assessment_status_refresh(*, learner_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Work out and store these records' status (each chunk in one transaction); returns the rows written."""
    now = now or timezone.now()
    written = 0
    for chunk in _chunks(sorted(set(learner_ids)), CHUNK):
        # No savepoint inside a caller's transaction (a download's): the chunk is part of it.
        with transaction.atomic(savepoint=False):
            written += _refresh_chunk(chunk, now)
    return written


def _refresh_chunk(learner_ids: Sequence[int], now: dt.datetime) -> int:
    # A row for each record first (waits for another transaction inserting it), then lock them all in order.
    AssessmentProgress.objects.bulk_create(
        [AssessmentProgress(learner_id=pk, computed_at=now) for pk in learner_ids], ignore_conflicts=True
    )
    locked = AssessmentProgress.objects.select_for_update().filter(learner_id__in=learner_ids).order_by("learner_id")
    existing = {row.learner_id: row for row in locked}
    facts = assessment_facts_computed(learner_ids=learner_ids, as_bksb_user=True)
    changed = []
    for learner_id, row in existing.items():
        found = facts.get(learner_id)
        if found is None:
            continue  # the record was deleted meanwhile: its row goes with it
        fresh = _progress(learner_id, found, now)
        if any(getattr(row, name) != getattr(fresh, name) for name in _WRITTEN if name != "computed_at"):
            changed.append(fresh)
    if changed:
        AssessmentProgress.objects.bulk_update(changed, _WRITTEN, batch_size=500)
    return len(changed)


def _progress(learner_id: int, facts: dict[str, Any], now: dt.datetime) -> AssessmentProgress:
    steps = [Step(facts[f"{subject}_step"]) for subject in SUBJECTS]
    row = AssessmentProgress(
        learner_id=learner_id,
        stage=stage_of(steps),
        account_created_at=facts["account_created_at"],
        invited_at=facts["invited_at"],
        computed_at=now,
    )
    for subject, step in zip(SUBJECTS, steps, strict=True):
        dates = step_dates(facts, subject)
        setattr(row, f"{subject}_step", step)
        setattr(row, f"{subject}_step_at", dates.get(step))
        for name in ("started_at", "finished_at", "results_in_at"):
            setattr(row, f"{subject}_{name}", facts[f"{subject}_{name}"])
    return row


def status_facts_changed(*, learner_ids: list[int], now: dt.datetime | None = None, **_: Any) -> None:
    """models.induction.assessment_facts_changed, connected in the app's ready()."""
    assessment_status_refresh(learner_ids=learner_ids, now=now)


def learners_with_facts() -> list[int]:
    """Every record the status rests on any fact for, or that has a row (the set a rebuild covers)."""
    ids: set[int] = set()
    sources = [
        BksbLink.objects.filter(Q(bksb_user_id__isnull=False) | Q(resolved_at__isnull=False)),
        UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED),
        Invite.objects.all(),
        AssessmentSession.objects.all(),
        InitialAssessmentResult.objects.all(),
        AssessmentProgress.objects.all(),
    ]
    for rows in sources:
        ids.update(rows.order_by().values_list("learner_id", flat=True).distinct())
    return sorted(ids)


def assessment_status_rebuild() -> int:
    """Work out and store the status of every record with any fact; returns the records covered."""
    ids = learners_with_facts()
    assessment_status_refresh(learner_ids=ids)
    return len(ids)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
