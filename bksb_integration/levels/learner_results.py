"""Reading a learner's bksb results for the BKSB tab: two queries whatever the count; its levels from the summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult, LearnerLevel, ResultList
from bksb_integration.models.mappings import Subject
from learners.models import Learner

# The subjects the summary always shows, in this order (Other is not summarised).
SUMMARY_SUBJECTS = (Subject.ENGLISH, Subject.MATHS, Subject.ICT)
# Subjects summarised only for learners assessed in them.
SUMMARY_WHEN_ASSESSED = (Subject.ESOL,)


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
    result_date: dt.datetime
    list_name: str


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


def subject_summary(levels: Mapping[str, LearnerLevel]) -> list[SubjectSummary]:
    """Per subject, the latest and the highest level, as the levels summary has them (its rows by subject).

    The summary is the one answer the Hub and the list give too: mapped results of the
    record's current bksb user, across assessment ids and both lists; of equal levels, the latest.
    """
    assessed = [subject for subject in SUMMARY_WHEN_ASSESSED if subject in levels and levels[subject].latest_level]
    shown = [*SUMMARY_SUBJECTS, *assessed]
    return [_summarise(subject, levels.get(subject)) for subject in shown]


def _summarise(subject: str, row: LearnerLevel | None) -> SubjectSummary:
    label = Subject(subject).label
    if row is None or row.latest_date is None or row.highest_date is None:
        return SubjectSummary(subject, label, None, None)
    latest = Reading(row.get_latest_level_display(), row.latest_date, ResultList(row.latest_list).label)
    highest = Reading(row.get_highest_level_display(), row.highest_date, ResultList(row.highest_list).label)
    return SubjectSummary(subject, label, latest, highest)
