"""Distance travelled: each learner's first initial assessment against their latest diagnostic or reassessment.

Per subject, read from the levels summary (bksb_learner_level) and, beside it, the
record's first mapped initial assessment in that subject (of its current bksb user,
ordered as the summary orders results: date, SessionId, AssessmentID). The latest
diagnostic or reassessment is the summary's latest mapped result, unless that is
the first initial assessment itself: then the learner has no later assessment yet.
A later initial assessment is a reassessment. Steps count levels on the one scale,
Pre-Entry up to Level 3 (models.mappings.LEVEL_RANK).

The cohort report's other comparison (latest initial assessment against latest
diagnostic, levels/cohort.py) is unchanged; this one answers "how far has each
learner come since they started?".

Both readers cost one query: `distance_tables` over a cohort (grouped in SQL,
by subject and provision type), `distances_for` for a chunk of records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from bksb_integration.levels.list_choices import LISTED_SUBJECTS
from bksb_integration.models import InitialAssessmentResult, LearnerLevel, ResultList, Subject
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


def _first_initial() -> Subquery:
    """The record's first mapped initial assessment in the summary row's subject (of its current bksb user), as one
    number: its level's rank times two, plus one when it is also the row's latest result (when the latest is an
    initial assessment). One correlated subquery, read from the results' learner index."""
    is_latest = Q(session_id=OuterRef("latest_session_id"), assessment_id=OuterRef("latest_assessment_id"))
    first = (
        InitialAssessmentResult.objects.filter(
            learner_id=OuterRef("learner_id"),
            bksb_user_id=OuterRef("bksb_user_id"),
            subject=OuterRef("subject"),
            level_rank__isnull=False,
        )
        .order_by("result_date", "session_id", "assessment_id")
        .annotate(
            code=ExpressionWrapper(
                F("level_rank") * 2 + Case(When(is_latest, then=Value(1)), default=Value(0)),
                output_field=IntegerField(),
            )
        )
    )
    return Subquery(first.values("code")[:1])


def _read(code: int, latest_list: str, latest_level: str | None, latest_rank: int | None) -> Distance:
    """A summary row's distance from its first initial assessment's number (see _first_initial)."""
    first_rank, is_latest = divmod(code, 2)
    reassessed = not (is_latest and latest_list == ResultList.INITIAL)
    movement, steps = movement_of(first_rank, latest_rank, reassessed=reassessed)
    return Distance(LEVELS_BY_RANK[first_rank], latest_level if reassessed else None, movement, steps)


def distances_for(learner_ids: Iterable[int]) -> dict[int, dict[str, Distance]]:
    """Each record's distance travelled by subject (subjects without a mapped initial assessment absent): one query."""
    rows = LearnerLevel.objects.filter(learner_id__in=list(learner_ids)).annotate(first=_first_initial())
    found: dict[int, dict[str, Distance]] = defaultdict(dict)
    for learner_id, subject, code, latest_list, latest_level, latest_rank in rows.values_list(
        "learner_id", "subject", "first", "latest_list", "latest_level", "latest_rank"
    ):
        if code is not None:  # left out here, not in SQL, where the filter would run the subquery a second time
            found[learner_id][subject] = _read(code, latest_list, latest_level, latest_rank)
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
    assessment, of the cohort's learners with a mapped initial assessment; by provision type. One query."""
    rows = LearnerLevel.objects.filter(
        learner__in=learners.order_by().values("pk"), subject__in=LISTED_SUBJECTS
    ).annotate(first=_first_initial())
    grouped = (
        rows.values_list("subject", "learner__provision_type", "first", "latest_list", "latest_rank")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts: dict[str, Counter[tuple[str, int, str]]] = defaultdict(Counter)
    for subject, provision, code, latest_list, latest_rank, n in grouped:
        if code is None:  # no mapped initial assessment in the subject (left out here: see distances_for)
            continue
        distance = _read(code, latest_list, None, latest_rank)
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
