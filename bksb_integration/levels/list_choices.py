"""The learner list's level choices and the movement from initial to diagnostic, as queryset filters.

What results/levels.py already answers (below, at most, at least a level; no initial
assessment; unmapped results; sort by level; a page's summary rows) is asked of it;
this module adds the list's vocabulary on top: a level choice such as "below_level_1"
is what the list's query string carries (`?bksb_maths=below_level_1`), and the
conditions only the reports need (exactly a level, no results, results not mapped,
assessed, moved up or down). Each narrows a queryset of learners with EXISTS on the
summary table (bksb_learner_level), so it costs the same at any size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from bksb_integration.levels import queries as levels
from bksb_integration.models import LearnerLevel, Level, Subject
from bksb_integration.models.mappings import LEVEL_RANK
from learners.models import Learner

# The subjects the list shows a column, a filter and a sort for, in this order.
LISTED_SUBJECTS = (Subject.ENGLISH, Subject.MATHS, Subject.ICT)
_LEVEL_OF_RANK = {rank: level for level, rank in LEVEL_RANK.items()}
NO_RESULTS = "none"
NOT_MAPPED = "unmapped"
_BELOW, _OR_BELOW, _OR_ABOVE = "below_", "_or_below", "_or_above"


@dataclass(frozen=True)
class LevelChoice:
    """A condition on a subject's latest level: one of the list filter's values, parsed."""

    value: str
    label: str
    low: int | None = None  # lowest rank accepted (None: no bound)
    high: int | None = None  # highest rank accepted

    def includes(self, other: LevelChoice) -> bool:
        """Does every record meeting `other` meet this choice too?"""
        if other.value == self.value:
            return True
        if other.value in (NO_RESULTS, NOT_MAPPED) or self.value in (NO_RESULTS, NOT_MAPPED):
            return False
        low, high = other.low or 1, other.high or len(LEVEL_RANK)
        return (self.low or 1) <= low and high <= (self.high or len(LEVEL_RANK))


def level_choices() -> list[LevelChoice]:
    """Every level condition the list offers: exact levels, then below, or below, or above."""
    scale = [(value, label, LEVEL_RANK[value]) for value, label in Level.choices]
    choices = [LevelChoice(value, label, rank, rank) for value, label, rank in scale]
    choices += [LevelChoice(f"{_BELOW}{value}", f"Below {label}", None, rank - 1) for value, label, rank in scale[1:]]
    choices += [
        LevelChoice(f"{value}{_OR_BELOW}", f"{label} or below", None, rank) for value, label, rank in scale[1:-1]
    ]
    choices += [
        LevelChoice(f"{value}{_OR_ABOVE}", f"{label} or above", rank, None) for value, label, rank in scale[1:-1]
    ]
    choices += [
        LevelChoice(NO_RESULTS, "No results yet"),
        LevelChoice(NOT_MAPPED, "Results not mapped to a level"),
    ]
    return choices


def level_choice(value: str) -> LevelChoice | None:
    return next((choice for choice in level_choices() if choice.value == value), None)


def _levels(subject: str) -> QuerySet[LearnerLevel]:
    return LearnerLevel.objects.filter(learner=OuterRef("pk"), subject=subject)


def learners_at_level(learners: QuerySet[Learner], *, subject: str, choice: LevelChoice) -> QuerySet[Learner]:
    """Records whose latest level in `subject` meets `choice`."""
    if choice.value == NO_RESULTS:
        return learners.filter(~Exists(_levels(subject)))
    if choice.value == NOT_MAPPED:
        return learners.filter(Exists(_levels(subject).filter(latest_rank__isnull=True)))
    if choice.low is not None and choice.low == choice.high:
        return learners.filter(Exists(_levels(subject).filter(latest_rank=choice.low)))
    if choice.low is not None:
        learners = levels.learners_level_at_least(learners, subject, _LEVEL_OF_RANK[choice.low])
    if choice.high is not None:
        learners = levels.learners_level_at_most(learners, subject, _LEVEL_OF_RANK[choice.high])
    return learners


def learners_initially_assessed(learners: QuerySet[Learner], *, subject: str) -> QuerySet[Learner]:
    """Records with an initial assessment (mapped or not) in `subject`: the reports' "assessed"."""
    return learners.filter(Exists(_levels(subject).filter(initial_count__gt=0)))


class Movement:
    """From the latest initial assessment level to the latest diagnostic level, in one subject."""

    UP = "up"
    SAME = "same"
    DOWN = "down"
    NO_DIAGNOSTIC = "no_diagnostic"
    LABELS = {UP: "Moved up", SAME: "Same level", DOWN: "Moved down", NO_DIAGNOSTIC: "No diagnostic yet"}

    @staticmethod
    def condition(movement: str) -> Q:
        """Which summary rows moved so; only rows with an initial level take part."""
        moved = {
            Movement.UP: Q(diagnostic_rank__gt=F("initial_latest_rank")),
            Movement.SAME: Q(diagnostic_rank=F("initial_latest_rank")),
            Movement.DOWN: Q(diagnostic_rank__lt=F("initial_latest_rank")),
            Movement.NO_DIAGNOSTIC: Q(diagnostic_rank__isnull=True),
        }
        return Q(initial_latest_rank__isnull=False) & moved[movement]

    @staticmethod
    def of(initial_rank: int | None, diagnostic_rank: int | None) -> str | None:
        if initial_rank is None:
            return None
        if diagnostic_rank is None:
            return Movement.NO_DIAGNOSTIC
        if diagnostic_rank > initial_rank:
            return Movement.UP
        return Movement.SAME if diagnostic_rank == initial_rank else Movement.DOWN


def learners_moved(learners: QuerySet[Learner], *, subject: str, movement: str) -> QuerySet[Learner]:
    return learners.filter(Exists(_levels(subject).filter(Movement.condition(movement))))


class LatestReading(NamedTuple):
    """A record's latest level in one subject, as the list's level column shows it."""

    learner_id: int
    level: str | None
    rank: int | None
    date: dt.datetime | None
    list_name: str


def latest_readings(*, learner_ids: Sequence[int], subject: str) -> dict[int, LatestReading]:
    """The latest readings of a page of records in one subject: one query for the few columns shown
    (results/levels.py's levels_for reads whole rows of every subject, more than a column needs)."""
    rows = LearnerLevel.objects.filter(learner_id__in=learner_ids, subject=subject).values_list(
        "learner_id", "latest_level", "latest_rank", "latest_date", "latest_list"
    )
    return {row[0]: LatestReading(*row) for row in rows}
