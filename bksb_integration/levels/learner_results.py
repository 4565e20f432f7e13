"""Reading a learner's bksb results for the BKSB tab: two queries whatever the count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.models.mappings import Subject
from bksb_integration.models.results import AssessmentResult
from learners.models import Learner

# The subjects the summary always shows, in this order (Other is not summarised).
SUMMARY_SUBJECTS = (Subject.ENGLISH, Subject.MATHS, Subject.ICT)
# Subjects summarised only for learners assessed in them.
SUMMARY_WHEN_ASSESSED = (Subject.ESOL,)
LIST_NAMES = {"initial": "Initial assessment", "diagnostic": "Diagnostic"}


@dataclass(frozen=True)
class LearnerResults:
    initial: list[InitialAssessmentResult]
    diagnostic: list[DiagnosticAssessmentResult]

    @property
    def bksb_user_ids(self) -> set[int]:
        return {row.bksb_user_id for row in (*self.initial, *self.diagnostic)}

    @property
    def from_several_users(self) -> bool:
        """Results came from more than one bksb user (the username was changed)."""
        return len(self.bksb_user_ids) > 1

    @property
    def count(self) -> int:
        return len(self.initial) + len(self.diagnostic)


@dataclass(frozen=True)
class Reading:
    """One result as the summary quotes it."""

    level_label: str
    rank: int
    result_date: dt.datetime
    list_name: str
    assessment_name: str


@dataclass(frozen=True)
class SubjectSummary:
    subject: str
    label: str
    latest: Reading | None
    highest: Reading | None


def learner_results(*, learner: Learner) -> LearnerResults:
    """Both result lists of a learner, newest first (one query each)."""
    return LearnerResults(
        initial=list(InitialAssessmentResult.objects.filter(learner=learner).order_by("-result_date", "-session_id")),
        diagnostic=list(
            DiagnosticAssessmentResult.objects.filter(learner=learner).order_by("-result_date", "-session_id")
        ),
    )


def subject_summary(*, learner: Learner, results: LearnerResults | None = None) -> list[SubjectSummary]:
    """Per subject, the latest and the highest mapped level, across assessment ids and both lists.

    Pass `results` already read for the tab to spend no further query.
    """
    results = results or learner_results(learner=learner)
    readings: dict[str, list[Reading]] = {subject: [] for subject in (*SUMMARY_SUBJECTS, *SUMMARY_WHEN_ASSESSED)}
    for kind, rows in (("initial", results.initial), ("diagnostic", results.diagnostic)):
        for row in _mapped(rows):
            if row.subject in readings:
                readings[row.subject].append(_reading(kind, row))
    shown = [*SUMMARY_SUBJECTS, *(subject for subject in SUMMARY_WHEN_ASSESSED if readings[subject])]
    return [_summarise(subject, readings[subject]) for subject in shown]


def _mapped(rows: Iterable[AssessmentResult]) -> Iterable[AssessmentResult]:
    return (row for row in rows if row.level is not None and row.level_rank is not None)


def _reading(kind: str, row: AssessmentResult) -> Reading:
    return Reading(
        level_label=row.get_level_display(),
        rank=row.level_rank or 0,
        result_date=row.result_date,
        list_name=LIST_NAMES[kind],
        assessment_name=row.assessment_name,
    )


def _summarise(subject: str, readings: list[Reading]) -> SubjectSummary:
    label = Subject(subject).label
    if not readings:
        return SubjectSummary(subject, label, None, None)
    latest = max(readings, key=lambda r: r.result_date)
    # The highest level; of equal levels, the most recent.
    highest = max(readings, key=lambda r: (r.rank, r.result_date))
    return SubjectSummary(subject, label, latest, highest)
