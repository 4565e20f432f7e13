"""The levels summary (`bksb_learner_level`): what the mapping makes of each record's stored results.

`levels_refresh(learner_ids=..., reason=...)` recomputes the records' summary rows
and their tags (config/tags.py) from the result tables, a chunk of records at a
time, in a constant number of queries per chunk. Only results of each record's
current bksb user (its link's bksb user id) count. It is called:

- in the transaction that stores a download's results (sync/results_store.py);
- when a record is linked to another bksb user (accounts/linking.py);
- after the level or subject mapping, or the tag rules, change (web/, in the
  background for many records: results/levels_job.py).

The records' link rows are locked first (ordered), so a download and a
recomputation of the same record take turns and neither writes a stale summary.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bksb_integration.levels import tags
from bksb_integration.models import (
    UNMAPPED_SUBJECT,
    BksbLink,
    DiagnosticAssessmentResult,
    InitialAssessmentResult,
    LearnerLevel,
    ResultList,
    Subject,
)

CHUNK = 1000
# Subjects that get a summary row; results mapped to Other do not.
SUMMARISED = (Subject.ENGLISH, Subject.MATHS, Subject.ICT, Subject.ESOL)
_READ = (
    "learner_id",
    "subject",
    "level",
    "level_rank",
    "result_date",
    "session_id",
    "assessment_id",
    "assessment_name",
)


@dataclass(frozen=True)
class Row:
    """One stored result as the summary reads it."""

    list_name: str
    learner_id: int
    subject: str | None
    level: str | None
    rank: int | None
    result_date: dt.datetime
    session_id: int
    assessment_id: int
    assessment_name: str
    score: float | None

    @property
    def order(self) -> tuple[dt.datetime, int, int]:
        return (self.result_date, self.session_id, self.assessment_id)


@dataclass
class RefreshCounts:
    learners: int = 0
    rows: int = 0
    tags_added: int = 0
    tags_removed: int = 0
    tags_changed: int = 0


def levels_refresh(*, learner_ids: Iterable[int], reason: str, now: dt.datetime | None = None) -> RefreshCounts:
    """Recompute the summary rows and tags of these records (each chunk in one transaction)."""
    now = now or timezone.now()
    counts = RefreshCounts()
    for chunk in _chunks(sorted(set(learner_ids)), CHUNK):
        levels_refresh_chunk(chunk, reason=reason, now=now, counts=counts)
    return counts


def levels_refresh_chunk(learner_ids: Sequence[int], *, reason: str, now: dt.datetime, counts: RefreshCounts) -> None:
    """One chunk: lock the links, read the current user's results, write summaries and tags."""
    # Inside a caller's transaction (a download's), no savepoint: a failure rolls the whole of it back.
    with transaction.atomic(savepoint=False):
        current = dict(
            BksbLink.objects.select_for_update()
            .filter(learner_id__in=learner_ids)
            .order_by("pk")
            .values_list("learner_id", "bksb_user_id")
        )
        summaries = [
            summary
            for learner_id, rows in _rows_by_learner(learner_ids).items()
            for summary in summarise(learner_id, current.get(learner_id), rows, now)
        ]
        _write(learner_ids, summaries)
        tag_counts = tags.tags_apply(learner_ids=learner_ids, levels=summaries, reason=reason, now=now)
    counts.learners += len(learner_ids)
    counts.rows += len(summaries)
    counts.tags_added += tag_counts.added
    counts.tags_removed += tag_counts.removed
    counts.tags_changed += tag_counts.changed


def _rows_by_learner(learner_ids: Sequence[int]) -> dict[int, list[Row]]:
    """Each record's results of its current bksb user (a join on the link), two queries."""
    found: dict[int, list[Row]] = defaultdict(list)
    lists = ((ResultList.INITIAL, InitialAssessmentResult), (ResultList.DIAGNOSTIC, DiagnosticAssessmentResult))
    for list_name, model in lists:
        current = model.objects.filter(learner_id__in=learner_ids, learner__bksb_link__bksb_user_id=F("bksb_user_id"))
        fields = (*_READ, "percent_score") if model is DiagnosticAssessmentResult else _READ
        for values in current.order_by().values_list(*fields):
            learner_id, subject, level, rank, result_date, session_id, assessment_id, name = values[:8]
            score = values[8] if len(values) > len(_READ) else None
            found[learner_id].append(
                Row(
                    list_name.value,
                    learner_id,
                    subject,
                    level,
                    rank,
                    result_date,
                    session_id,
                    assessment_id,
                    name,
                    score,
                )
            )
    return found


def summarise(learner_id: int, bksb_user_id: int | None, rows: Sequence[Row], now: dt.datetime) -> list[LearnerLevel]:
    """A record's summary rows (unsaved), one per subject it has results in."""
    by_subject: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.subject is None:
            by_subject[UNMAPPED_SUBJECT].append(row)
        elif row.subject in SUMMARISED:
            by_subject[row.subject].append(row)
    return [_summary(learner_id, bksb_user_id, subject, found, now) for subject, found in sorted(by_subject.items())]


def _summary(
    learner_id: int, bksb_user_id: int | None, subject: str, rows: list[Row], now: dt.datetime
) -> LearnerLevel:
    initial = [row for row in rows if row.list_name == ResultList.INITIAL]
    mapped = [row for row in rows if row.level is not None and row.rank is not None]
    initial_mapped = [row for row in mapped if row.list_name == ResultList.INITIAL]
    diagnostic_mapped = [row for row in mapped if row.list_name == ResultList.DIAGNOSTIC]
    summary = LearnerLevel(
        learner_id=learner_id,
        subject=subject,
        bksb_user_id=bksb_user_id,
        result_count=len(rows),
        initial_count=len(initial),
        diagnostic_count=len(rows) - len(initial),
        has_unmapped=len(mapped) < len(rows) or subject == UNMAPPED_SUBJECT,
        initial_first_date=min((row.result_date for row in initial), default=None),
        computed_at=now,
    )
    latest, highest = _latest(mapped), _highest(mapped)
    if latest is not None and highest is not None:
        _set(summary, "latest", latest, with_list=True)
        summary.latest_assessment_name = latest.assessment_name
        _set(summary, "highest", highest, with_list=True)
    initial_latest, initial_highest = _latest(initial_mapped), _highest(initial_mapped)
    if initial_latest is not None and initial_highest is not None:
        _set(summary, "initial_latest", initial_latest)
        _set(summary, "initial_highest", initial_highest)
    # Where the learner started, for distance travelled (not for results no subject mapping row maps).
    initial_first = min(initial_mapped, key=lambda row: row.order, default=None)
    if initial_first is not None and subject != UNMAPPED_SUBJECT:
        _set(summary, "initial_first_mapped", initial_first)
        summary.initial_first_mapped_is_latest = initial_first is latest  # the same stored result
    diagnostic = _latest(diagnostic_mapped)
    if diagnostic is not None:
        summary.diagnostic_level, summary.diagnostic_rank = diagnostic.level, diagnostic.rank
        summary.diagnostic_score, summary.diagnostic_date = diagnostic.score, diagnostic.result_date
        summary.diagnostic_session_id = diagnostic.session_id
        summary.diagnostic_assessment_id = diagnostic.assessment_id
    return summary


def _latest(rows: list[Row]) -> Row | None:
    return max(rows, key=lambda row: row.order, default=None)


def _highest(rows: list[Row]) -> Row | None:
    """The highest level; of equal levels, the most recent."""
    return max(rows, key=lambda row: (row.rank or 0, row.order), default=None)


def _set(summary: LearnerLevel, prefix: str, row: Row, *, with_list: bool = False) -> None:
    setattr(summary, f"{prefix}_level", row.level)
    setattr(summary, f"{prefix}_rank", row.rank)
    setattr(summary, f"{prefix}_date", row.result_date)
    setattr(summary, f"{prefix}_session_id", row.session_id)
    setattr(summary, f"{prefix}_assessment_id", row.assessment_id)
    if with_list:
        setattr(summary, f"{prefix}_list", row.list_name)


_WRITTEN = [
    field.name
    for field in LearnerLevel._meta.concrete_fields
    if field.name not in ("id", "learner", "subject") and not field.primary_key
]
# What decides whether a row changed (computed_at is when it last did).
_COMPARED = [name for name in _WRITTEN if name != "computed_at"]


def _write(learner_ids: Sequence[int], summaries: list[LearnerLevel]) -> None:
    """Make the chunk's rows these: delete subjects no longer there, upsert the rows whose values changed."""
    keep = {(summary.learner_id, summary.subject): summary for summary in summaries}
    existing = LearnerLevel.objects.filter(learner_id__in=learner_ids).values_list(
        "pk", "learner_id", "subject", *_COMPARED
    )
    gone, same = [], set()
    for pk, learner_id, subject, *values in existing:
        summary = keep.get((learner_id, subject))
        if summary is None:
            gone.append(pk)
        elif [getattr(summary, name) for name in _COMPARED] == values:
            same.add((learner_id, subject))
    if gone:
        LearnerLevel.objects.filter(pk__in=gone).delete()
    changed = [summary for key, summary in keep.items() if key not in same]
    if changed:
        LearnerLevel.objects.bulk_create(
            changed,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["learner", "subject"],
            update_fields=_WRITTEN,
        )


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def learners_with_results() -> list[int]:
    """Every record with a stored result (the set a full rebuild covers)."""
    ids: set[int] = set()
    for model in (InitialAssessmentResult, DiagnosticAssessmentResult):
        ids.update(model.objects.order_by().values_list("learner_id", flat=True).distinct())
    ids.update(LearnerLevel.objects.order_by().values_list("learner_id", flat=True).distinct())
    return sorted(ids)
