"""A cohort's levels, counted: what Management > BKSB > Reports shows and downloads.

The cohort is any queryset of learners (the learner list's filters pick it). Everything
is counted in SQL from the summary table, bksb_learner_level: one grouped query over the
cohort's summary rows, and one count of the cohort, whatever its size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from bksb_integration.models import LearnerLevel, Level, Subject
from bksb_integration.models.mappings import LEVEL_RANK
from bksb_integration.results.level_queries import LISTED_SUBJECTS, NO_RESULTS, NOT_MAPPED, Movement
from learners.models import Learner

ASSESSED, NOT_ASSESSED = "done", "none"
ASSESSED_LABELS = {ASSESSED: "Initial assessment done", NOT_ASSESSED: "Not yet assessed"}
LEVEL_LABELS = {**dict(Level.choices), NOT_MAPPED: "Results not mapped", NO_RESULTS: "No results yet"}


@dataclass(frozen=True)
class Tally:
    """How many of the cohort fall in one category; `key` is the list filter value naming it."""

    key: str
    label: str
    learners: int


@dataclass(frozen=True)
class SubjectTallies:
    subject: str
    label: str
    tallies: list[Tally]

    @property
    def total(self) -> int:
        return sum(tally.learners for tally in self.tallies)


@dataclass(frozen=True)
class MovementGrid:
    """Learners by latest initial assessment level (rows) and latest diagnostic level (columns)."""

    subject: str
    label: str
    cells: dict[tuple[str, str], int]

    def count(self, initial: str, diagnostic: str) -> int:
        return self.cells.get((initial, diagnostic), 0)


@dataclass(frozen=True)
class CohortReport:
    size: int
    levels: list[SubjectTallies]
    assessed: list[SubjectTallies]
    movement: list[SubjectTallies]
    grids: list[MovementGrid]


def cohort_report(*, learners: QuerySet[Learner]) -> CohortReport:
    """Per subject: the latest levels, assessed or not, and the movement from initial to diagnostic."""
    size = learners.count()
    groups = _summary_groups(learners)
    levels, assessed, movement, grids = [], [], [], []
    for subject in LISTED_SUBJECTS:
        mine = [(key, n) for key, n in groups if key[0] == subject]
        label = Subject(subject).label
        levels.append(SubjectTallies(subject, label, _level_tallies(mine, size)))
        assessed.append(SubjectTallies(subject, label, _assessed_tallies(mine, size)))
        movement.append(SubjectTallies(subject, label, _movement_tallies(mine)))
        grids.append(MovementGrid(subject, label, _grid(mine)))
    return CohortReport(size, levels, assessed, movement, grids)


# (subject, latest level, latest initial level, latest diagnostic level, has an initial assessment)
GroupKey = tuple[str, str | None, str | None, str | None, bool]


def _summary_groups(learners: QuerySet[Learner]) -> list[tuple[GroupKey, int]]:
    """The cohort's summary rows counted by everything the report tells apart (one query)."""
    rows = (
        LearnerLevel.objects.filter(learner__in=learners.values("pk"), subject__in=LISTED_SUBJECTS)
        .annotate(initially=ExpressionWrapper(Q(initial_count__gt=0), output_field=BooleanField()))
        .values_list("subject", "latest_level", "initial_latest_level", "diagnostic_level", "initially")
        .annotate(n=Count("*"))
        .order_by()
    )
    return [
        ((subject, latest, initial, diagnostic, bool(initially)), n)
        for subject, latest, initial, diagnostic, initially, n in rows
    ]


def _level_tallies(groups: list[tuple[GroupKey, int]], size: int) -> list[Tally]:
    by_level: Counter[str] = Counter()
    for (_, latest, _, _, _), n in groups:
        by_level[latest or NOT_MAPPED] += n
    with_rows = sum(by_level.values())
    by_level[NO_RESULTS] = size - with_rows
    return [Tally(key, LEVEL_LABELS[key], by_level[key]) for key in (*Level.values, NOT_MAPPED, NO_RESULTS)]


def _assessed_tallies(groups: list[tuple[GroupKey, int]], size: int) -> list[Tally]:
    done = sum(n for (_, _, _, _, initially), n in groups if initially)
    return [
        Tally(ASSESSED, ASSESSED_LABELS[ASSESSED], done),
        Tally(NOT_ASSESSED, ASSESSED_LABELS[NOT_ASSESSED], size - done),
    ]


def _rank(level: str | None) -> int | None:
    return LEVEL_RANK[level] if level else None


def _movement_tallies(groups: list[tuple[GroupKey, int]]) -> list[Tally]:
    moved: Counter[str] = Counter()
    for (_, _, initial, diagnostic, _), n in groups:
        movement = Movement.of(_rank(initial), _rank(diagnostic))
        if movement is not None:
            moved[movement] += n
    return [Tally(key, label, moved[key]) for key, label in Movement.LABELS.items()]


def _grid(groups: list[tuple[GroupKey, int]]) -> dict[tuple[str, str], int]:
    cells: Counter[tuple[str, str]] = Counter()
    for (_, _, initial, diagnostic, _), n in groups:
        if initial and diagnostic:
            cells[(initial, diagnostic)] += n
    return dict(cells)
