"""The Induction board: a cohort's records by assessment stage, with counts per subject and step.

A constant number of queries whatever the cohort: one for the counts, one per
stage for the names under it (a few shown, the rest a link to the filtered
list), one for their statuses and one for the watch list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from bksb_integration.models import WatchEntry
from bksb_integration.results.assessment_status import (
    SUBJECTS,
    AssessmentStatus,
    Stage,
    Step,
    assessment_statuses,
    stage_q,
    step_q,
)
from learners.models import Learner

NAMES_SHOWN = 100


@dataclass(frozen=True)
class BoardLine:
    learner: Learner
    status: AssessmentStatus
    watch: WatchEntry | None


@dataclass(frozen=True)
class BoardColumn:
    stage: Stage
    count: int
    lines: list[BoardLine]

    @property
    def more(self) -> int:
        return self.count - len(self.lines)


@dataclass(frozen=True)
class SubjectCounts:
    label: str
    counts: list[tuple[Step, int]]


@dataclass(frozen=True)
class Board:
    total: int
    columns: list[BoardColumn]
    subjects: list[SubjectCounts]

    def count(self, *stages: Stage) -> int:
        return sum(column.count for column in self.columns if column.stage in stages)


def induction_board(*, cohort: QuerySet[Learner], shown: int = NAMES_SHOWN) -> Board:
    """The board of these records: every record counted, the first `shown` of each stage named."""
    cohort = cohort.order_by("last_name", "first_name", "learner_ref")
    counts = _counts(cohort)
    named = {stage: list(cohort.filter(stage_q(stage))[:shown]) for stage in Stage if counts[stage.value]}
    ids = [learner.pk for learners in named.values() for learner in learners]
    statuses = assessment_statuses(learner_ids=ids)
    watches = {
        entry.learner_id: entry for entry in WatchEntry.objects.filter(learner_id__in=ids, ended_at__isnull=True)
    }
    columns = [
        BoardColumn(
            stage,
            counts[stage.value],
            [BoardLine(learner, statuses[learner.pk], watches.get(learner.pk)) for learner in named.get(stage, [])],
        )
        for stage in Stage
    ]
    subjects = [
        SubjectCounts(subject.label, [(step, counts[f"{subject}_{step.value}"]) for step in Step])
        for subject in SUBJECTS
    ]
    return Board(counts["total"], columns, subjects)


def _counts(cohort: QuerySet[Learner]) -> dict[str, int]:
    """Each stage's count and each subject's step counts, in one query."""
    aggregates = {stage.value: Count("pk", filter=stage_q(stage)) for stage in Stage}
    for subject in SUBJECTS:
        aggregates |= {f"{subject}_{step.value}": Count("pk", filter=step_q(subject, step)) for step in Step}
    return cohort.order_by().aggregate(total=Count("pk"), **aggregates)
