"""Distance travelled: each learner's first initial assessment against their latest diagnostic or reassessment.

Per subject, read from the levels summary (bksb_learner_level) alone: its first
mapped initial assessment (initial_first_mapped_*, of the record's current bksb user,
ordered as the summary orders results: date, SessionId, AssessmentID) against its
latest mapped result, the latest diagnostic or reassessment, unless that is the
first initial assessment itself (initial_first_mapped_is_latest): then the learner has
no later assessment yet.
A later initial assessment is a reassessment. Steps count levels on the one scale,
Pre-Entry up to Level 3 (models.mappings.LEVEL_RANK).

The cohort report's other comparison (latest initial assessment against latest
diagnostic, levels/cohort.py) is unchanged; this one answers "how far has each
learner come since they started?".

Both readers cost one query on the summary, no subquery: `distance_tables` over a
cohort (grouped in SQL, by subject and provision type), `distances_for` for a chunk of
records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from bksb_integration.levels.list_choices import LISTED_SUBJECTS
from bksb_integration.models import LearnerLevel, Subject
from bksb_integration.models.mappings import LEVEL_RANK
from learners.models import Learner, ProvisionType

UP, SAME, DOWN, NOT_YET = "up", "same", "down", "not_reassessed"
MOVEMENT_LABELS = {
    UP: "Moved up",
    SAME: "Same level",
    DOWN: "Moved down",
    NOT_YET: "No diagnostic or reassessment yet",
}
LEVELS_BY_RANK = {rank: level for level, rank in LEVEL_RANK.items()}
# Where a summary row's learner started: the first mapped initial assessment's rank, and whether it is also the latest.
FIRST = ("initial_first_mapped_rank", "initial_first_mapped_is_latest")
# The column of every learner, whatever their provision type, and of those whose type is not known.
ALL, NOT_KNOWN = "all", ""


@dataclass(frozen=True)
class Distance:
    """One learner's distance travelled in one subject."""

    first_level: str
    latest_level: str | None  # None: no later assessment yet
    movement: str
    steps: int  # levels moved, 0 when the same or not reassessed


def movement_of(first_rank: int, latest_rank: int | None, *, reassessed: bool) -> tuple[str, int]:
    """(movement, steps) from the first initial assessment's rank to the latest later result's."""
    if not reassessed or latest_rank is None:
        return NOT_YET, 0
    if latest_rank == first_rank:
        return SAME, 0
    return (UP if latest_rank > first_rank else DOWN), abs(latest_rank - first_rank)


def _read(first_rank: int, first_is_latest: bool, latest_level: str | None, latest_rank: int | None) -> Distance:
    """A summary row's distance from its first mapped initial assessment's rank."""
    reassessed = not first_is_latest
    movement, steps = movement_of(first_rank, latest_rank, reassessed=reassessed)
    return Distance(LEVELS_BY_RANK[first_rank], latest_level if reassessed else None, movement, steps)


def _started() -> QuerySet[LearnerLevel]:
    """Summary rows with a first mapped initial assessment (read from the bksb_level_distance index)."""
    return LearnerLevel.objects.filter(initial_first_mapped_rank__isnull=False)


def distances_for(learner_ids: Iterable[int]) -> dict[int, dict[str, Distance]]:
    """Each record's distance travelled by subject (subjects without a mapped initial assessment absent): one query."""
    rows = _started().filter(learner_id__in=list(learner_ids))
    found: dict[int, dict[str, Distance]] = defaultdict(dict)
    for learner_id, subject, first_rank, first_is_latest, latest_level, latest_rank in rows.values_list(
        "learner_id", "subject", *FIRST, "latest_level", "latest_rank"
    ):
        if first_rank is not None:  # always, as _started asks; for the type checker
            found[learner_id][subject] = _read(first_rank, first_is_latest, latest_level, latest_rank)
    return dict(found)


@dataclass(frozen=True)
class DistanceRow:
    """Learners who moved so (and, when `steps`, by that many levels), by column (ALL, then provision types)."""

    movement: str
    steps: int
    label: str
    counts: dict[str, int]

    @property
    def is_total(self) -> bool:
        return self.steps == 0


@dataclass(frozen=True)
class DistanceTable:
    subject: str
    label: str
    rows: list[DistanceRow]

    @property
    def total(self) -> int:
        return sum(row.counts.get(ALL, 0) for row in self.rows if row.is_total)


def distance_columns(*, by_provision: bool) -> list[tuple[str, str]]:
    """The tables' columns: every learner, then (for staff who may see it) each provision type and Not known."""
    columns = [(ALL, "All learners")]
    if by_provision:
        columns += [(str(value), str(label)) for value, label in ProvisionType.choices] + [(NOT_KNOWN, "Not known")]
    return columns


def distance_tables(*, learners: QuerySet[Learner]) -> list[DistanceTable]:
    """Per listed subject: how many moved up, stayed, moved down (each by how many levels) or have no later
    assessment, of the cohort's learners with a mapped initial assessment; by provision type. One query: the
    cohort's records joined to their summary rows (read from the bksb_level_distance index alone)."""
    level = "bksb_levels__"
    rows = learners.order_by().filter(
        **{f"{level}subject__in": LISTED_SUBJECTS, f"{level}initial_first_mapped_rank__isnull": False}
    )
    grouped = rows.values_list(
        f"{level}subject", "provision_type", *(level + name for name in FIRST), f"{level}latest_rank"
    ).annotate(n=Count("*"))
    counts: dict[str, Counter[tuple[str, int, str]]] = defaultdict(Counter)
    for subject, provision, first_rank, first_is_latest, latest_rank, n in grouped:
        distance = _read(first_rank, first_is_latest, None, latest_rank)
        for column in (ALL, provision or NOT_KNOWN):
            counts[subject][(distance.movement, distance.steps, column)] += n
            if distance.steps:
                counts[subject][(distance.movement, 0, column)] += n
    return [_table(subject, counts[subject]) for subject in LISTED_SUBJECTS]


def _table(subject: str, counts: Counter[tuple[str, int, str]]) -> DistanceTable:
    def row(movement: str, steps: int) -> DistanceRow:
        cells = {column: n for (moved, by, column), n in counts.items() if (moved, by) == (movement, steps)}
        label = MOVEMENT_LABELS[movement]
        if steps:
            label = f"{label} by {steps} level{'s' if steps > 1 else ''}"
        return DistanceRow(movement, steps, label, cells)

    rows: list[DistanceRow] = []
    for movement in (UP, SAME, DOWN, NOT_YET):
        rows.append(row(movement, 0))
        if movement in (UP, DOWN):
            steps = sorted({by for (moved, by, column), _ in counts.items() if moved == movement and by})
            rows += [row(movement, by) for by in steps]
    return DistanceTable(subject, Subject(subject).label, rows)
