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
from bksbmis.upsert import Values, upsert_by_key

MODELS: dict[str, type[StoredResult]] = {
    "initial": InitialAssessmentResult,
    "diagnostic": DiagnosticAssessmentResult,
}
# Fields that come from bksb; a change in any of them updates the row.
REMOTE_FIELDS = ("course_subject", "course_name", "assessment_name", "result", "result_date", "raw")
MAPPED_FIELDS = ("subject", "level", "level_rank")
KEY = ("bksb_user_id", "session_id", "assessment_id")
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

    Call inside the caller's transaction. Results bksb sent twice (mid-paging) count once: the first sighting.
    A result changes when bksb's fields or its record change; its subject and level are mapped again then.
    """
    rows = [
        {
            "learner_id": learner_id,
            "bksb_user_id": bksb_user_id,
            "session_id": item.session_id,
            "assessment_id": item.assessment_id,
            "first_seen_at": now,
            "last_changed_at": now,
            **_remote_values(kind, item),
        }
        for item in results
    ]
    compare = [*REMOTE_FIELDS, "learner_id"] + (["percent_score"] if kind == "diagnostic" else [])

    def mapped(values: Values) -> None:
        values.update(mapper.mapped(result=values["result"], course_subject=values["course_subject"]))

    done = upsert_by_key(
        MODELS[kind], rows, key=KEY, compare=compare, update=[*MAPPED_FIELDS, "last_changed_at"], derive=mapped
    )
    return UpsertCounts(created=len(done.created), updated=len(done.updated), unchanged=len(done.unchanged))


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
