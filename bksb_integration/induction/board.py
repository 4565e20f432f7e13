"""The Induction board: a cohort's records by assessment stage, with counts per subject and step.

Seven queries whatever the cohort: the cohort counted by (English, maths) steps
(every count comes from those few rows), the first few records of each stage by
name (numbered in the database; the rest is a link to the filtered list), the
records named, their statuses with dates, the watch list, and the named records'
rushed sessions (with the thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from bksb_integration.induction.status import SUBJECTS, AssessmentStatus, stage_of
from bksb_integration.induction.status_read import assessment_statuses, first_of_each_stage, steps_counted
from bksb_integration.models import AssessmentSession, Stage, Step, Subject, WatchEntry
from bksb_integration.results.rushed import rushed_sessions_for, rushed_words
from learners.models import Learner

NAMES_SHOWN = 100


@dataclass(frozen=True)
class BoardLine:
    learner: Learner
    status: AssessmentStatus
    watch: WatchEntry | None
    rushed: list[str] = field(default_factory=list)  # "Maths initial assessment: completed unusually fast ..."


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
    counts = dict.fromkeys(Stage, 0)
    subjects = {subject: dict.fromkeys(Step, 0) for subject in SUBJECTS}
    for (english, maths), n in steps_counted(cohort):
        counts[stage_of((english, maths))] += n
        subjects[Subject.ENGLISH][english] += n
        subjects[Subject.MATHS][maths] += n
    stages = first_of_each_stage(cohort, shown)
    ids = [learner_id for learner_ids in stages.values() for learner_id in learner_ids]
    learners = Learner.objects.in_bulk(ids)
    statuses = assessment_statuses(learner_ids=ids)
    watches = {
        entry.learner_id: entry for entry in WatchEntry.objects.filter(learner_id__in=ids, ended_at__isnull=True)
    }
    rushed = rushed_sessions_for(ids)
    columns = [
        BoardColumn(
            stage,
            counts[stage],
            [
                BoardLine(
                    learners[learner_id],
                    statuses[learner_id],
                    watches.get(learner_id),
                    [_rushed_line(session) for session in rushed.get(learner_id, [])],
                )
                for learner_id in learner_ids
                if learner_id in learners
            ],
        )
        for stage, learner_ids in stages.items()
    ]
    by_subject = [SubjectCounts(subject.label, list(subjects[subject].items())) for subject in SUBJECTS]
    return Board(sum(counts.values()), columns, by_subject)


def _rushed_line(session: AssessmentSession) -> str:
    return f"{session.get_course_subject_display()} {session.get_assessment_type_display().lower()}: " + (
        rushed_words(session)[0].lower() + rushed_words(session)[1:]
    )
