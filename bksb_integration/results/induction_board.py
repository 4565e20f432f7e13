"""The Induction board: a cohort's records by assessment stage, with counts per subject and step.

A constant number of queries whatever the cohort: one for the counts (the records
grouped by their two steps), one per stage for the names under it (a few shown,
the rest a link to the filtered list), one for their statuses and one for the
watch list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from bksb_integration.models import Subject, WatchEntry
from bksb_integration.results.assessment_status import (
    SUBJECTS,
    AssessmentStatus,
    Stage,
    Step,
    assessment_statuses,
    stage_filter,
    stage_of,
    steps_counted,
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
    counted = steps_counted(cohort)
    stages = dict.fromkeys(Stage, 0)
    subjects = {subject: dict.fromkeys(Step, 0) for subject in SUBJECTS}
    for (english, maths), count in counted.items():
        stages[stage_of((english, maths))] += count
        subjects[Subject.ENGLISH][english] += count
        subjects[Subject.MATHS][maths] += count
    named = {stage: list(stage_filter(cohort, stage)[:shown]) for stage in Stage if stages[stage]}
    ids = [learner.pk for learners in named.values() for learner in learners]
    statuses = assessment_statuses(learner_ids=ids)
    watches = {
        entry.learner_id: entry for entry in WatchEntry.objects.filter(learner_id__in=ids, ended_at__isnull=True)
    }
    columns = [
        BoardColumn(
            stage,
            stages[stage],
            [BoardLine(learner, statuses[learner.pk], watches.get(learner.pk)) for learner in named.get(stage, [])],
        )
        for stage in Stage
    ]
    counts = [SubjectCounts(subject.label, list(subjects[subject].items())) for subject in SUBJECTS]
    return Board(sum(counted.values()), columns, counts)
