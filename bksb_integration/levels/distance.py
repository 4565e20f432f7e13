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

from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from bksb_integration.levels.list_choices import LISTED_SUBJECTS
from bksb_integration.models import InitialAssessmentResult, LearnerLevel, ResultList, Subject
from learners.models import Learner, ProvisionType

UP, SAME, DOWN, NOT_YET = "up", "same", "down", "not_reassessed"
MOVEMENT_LABELS = {
    UP: "Moved up",
    SAME: "Same level",
    DOWN: "Moved down",
    NOT_YET: "No diagnostic or reassessment yet",
}
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


def _first_initial(field: str) -> Subquery:
    first = InitialAssessmentResult.objects.filter(
        learner_id=OuterRef("learner_id"),
        bksb_user_id=OuterRef("bksb_user_id"),
        subject=OuterRef("subject"),
        level_rank__isnull=False,
    ).order_by("result_date", "session_id", "assessment_id")
    return Subquery(first.values(field)[:1])


def _with_first_initial(rows: QuerySet[LearnerLevel]) -> QuerySet[LearnerLevel]:
    """Summary rows with their first mapped initial assessment beside them, and whether a later result exists."""
    return rows.annotate(
        first_level=_first_initial("level"),
        first_rank=_first_initial("level_rank"),
        first_session=_first_initial("session_id"),
        first_assessment=_first_initial("assessment_id"),
    ).annotate(
        is_first=ExpressionWrapper(
            Q(
                latest_list=ResultList.INITIAL,
                latest_session_id=F("first_session"),
                latest_assessment_id=F("first_assessment"),
            ),
            output_field=BooleanField(),
        )
    )


def distances_for(learner_ids: Iterable[int]) -> dict[int, dict[str, Distance]]:
    """Each record's distance travelled by subject (subjects without a mapped initial assessment absent): one query."""
    rows = _with_first_initial(LearnerLevel.objects.filter(learner_id__in=list(learner_ids))).filter(
        first_rank__isnull=False
    )
    found: dict[int, dict[str, Distance]] = defaultdict(dict)
    for learner_id, subject, first_level, first_rank, latest_level, latest_rank, is_first in rows.values_list(
        "learner_id", "subject", "first_level", "first_rank", "latest_level", "latest_rank", "is_first"
    ):
        movement, steps = movement_of(first_rank, latest_rank, reassessed=not is_first)
        found[learner_id][subject] = Distance(first_level, None if is_first else latest_level, movement, steps)
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
    rows = _with_first_initial(
        LearnerLevel.objects.filter(learner__in=learners.order_by().values("pk"), subject__in=LISTED_SUBJECTS)
    ).filter(first_rank__isnull=False)
    grouped = (
        rows.values_list("subject", "learner__provision_type", "first_rank", "latest_rank", "is_first")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts: dict[str, Counter[tuple[str, int, str]]] = defaultdict(Counter)
    for subject, provision, first_rank, latest_rank, is_first, n in grouped:
        movement, steps = movement_of(first_rank, latest_rank, reassessed=not is_first)
        for column in (ALL, provision or NOT_KNOWN):
            counts[subject][(movement, steps, column)] += n
            if steps:
                counts[subject][(movement, 0, column)] += n
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
