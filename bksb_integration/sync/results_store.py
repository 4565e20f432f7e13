"""Storing downloaded results: one upsert per result list, a page at a time.

Every path that writes results (one learner's download, a bulk run, a
re-download) goes through results_upsert, so a result is identified and
compared the same way everywhere: by (bksb user id, SessionId, AssessmentID).
A download stores both lists with learner_results_store, which also brings the
record's levels summary and tags up to date in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bksb_integration.api.types import AssessmentResult
from bksb_integration.config.mapping import Mapper
from bksb_integration.levels.summary import levels_refresh
from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.models.results import AssessmentResult as StoredResult

MODELS: dict[str, type[StoredResult]] = {
    "initial": InitialAssessmentResult,
    "diagnostic": DiagnosticAssessmentResult,
}
# Fields that come from bksb; a change in any of them updates the row.
REMOTE_FIELDS = ("course_subject", "course_name", "assessment_name", "result", "result_date", "raw")
MAPPED_FIELDS = ("subject", "level", "level_rank")
# The reason tag changes a download makes carry in the audit trail.
NEW_RESULTS = "Results downloaded"


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _deduplicated(results: Iterable[AssessmentResult]) -> list[AssessmentResult]:
    """bksb can show a result twice when results arrive mid-paging: keep the first sighting."""
    seen: dict[tuple[int, int], AssessmentResult] = {}
    for item in results:
        seen.setdefault((item.session_id, item.assessment_id), item)
    return list(seen.values())


def _remote_values(kind: str, item: AssessmentResult) -> dict[str, object]:
    values: dict[str, object] = {
        "course_subject": item.course_subject,
        "course_name": item.course_name,
        "assessment_name": item.assessment_name,
        "result": item.result,
        # In UTC: Python never finds an ambiguous (autumn clock change) local time
        # equal to the same instant in another zone, which would look like a change.
        "result_date": item.result_date.astimezone(dt.UTC),
        "raw": item.raw,
    }
    if kind == "diagnostic":
        values["percent_score"] = item.percent_score
    return values


def _differs(row: StoredResult, values: dict[str, object], learner_id: int) -> bool:
    return row.learner_id != learner_id or any(getattr(row, name) != value for name, value in values.items())


def results_upsert(
    *,
    kind: str,
    learner_id: int,
    bksb_user_id: int,
    results: Iterable[AssessmentResult],
    mapper: Mapper,
    now: dt.datetime,
) -> UpsertCounts:
    """Insert new results and update changed ones, in three queries whatever the count.

    Call inside the caller's transaction. Results bksb sent twice count once.
    """
    model = MODELS[kind]
    items = _deduplicated(results)
    counts = UpsertCounts()
    if not items:
        return counts
    existing = {
        (row.session_id, row.assessment_id): row
        for row in model.objects.filter(bksb_user_id=bksb_user_id, session_id__in={item.session_id for item in items})
    }
    fresh: list[StoredResult] = []
    changed: list[StoredResult] = []
    for item in items:
        values = _remote_values(kind, item)
        row = existing.get((item.session_id, item.assessment_id))
        if row is None:
            row = model(
                learner_id=learner_id,
                bksb_user_id=bksb_user_id,
                session_id=item.session_id,
                assessment_id=item.assessment_id,
                first_seen_at=now,
                last_changed_at=now,
                **values,
            )
            mapper.apply(row)
            fresh.append(row)
        elif _differs(row, values, learner_id):
            for name, value in values.items():
                setattr(row, name, value)
            row.learner_id = learner_id
            row.last_changed_at = now
            mapper.apply(row)
            changed.append(row)
        else:
            counts.unchanged += 1
    update_fields = [*REMOTE_FIELDS, *MAPPED_FIELDS, "learner_id", "last_changed_at"]
    if kind == "diagnostic":
        update_fields.append("percent_score")
    if fresh:
        # update_conflicts makes a race with another download harmless: the row is written once.
        model.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["bksb_user_id", "session_id", "assessment_id"],
            update_fields=update_fields,
        )
    if changed:
        model.objects.bulk_update(changed, update_fields)
    counts.created, counts.updated = len(fresh), len(changed)
    return counts


def learner_results_store(
    *,
    learner_id: int,
    bksb_user_id: int,
    pages: Mapping[str, Iterable[AssessmentResult]],
    mapper: Mapper,
    now: dt.datetime,
) -> UpsertCounts:
    """Store a download's results of both lists; when any is new or changed, refresh the levels summary.

    Call inside the caller's transaction: the results and the summary commit together.
    """
    counts = UpsertCounts()
    for kind in MODELS:
        counts.add(
            results_upsert(
                kind=kind,
                learner_id=learner_id,
                bksb_user_id=bksb_user_id,
                results=pages.get(kind, ()),
                mapper=mapper,
                now=now,
            )
        )
    if counts.created or counts.updated:
        levels_refresh(learner_ids=[learner_id], reason=NEW_RESULTS, now=now)
    return counts
