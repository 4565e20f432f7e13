"""Questions about records' levels, asked of the summary table (bksb_learner_level) in SQL.

Each answer narrows a queryset of learners with one EXISTS, or orders it with one
LEFT JOIN, so the learner list and the cohort reports ask them of 50,000 records
in a constant number of queries. The words are the list's: a level choice such
as "below_level_1" is what the list's query string carries (`?bksb_maths=below_level_1`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from bksb_integration.models import LearnerLevel, Level, Subject
from bksb_integration.models.levels import UNMAPPED_SUBJECT
from bksb_integration.models.mappings import LEVEL_RANK
from learners.models import Learner

# The subjects the list shows a column, a filter and a sort for, in this order.
LISTED_SUBJECTS = (Subject.ENGLISH, Subject.MATHS, Subject.ICT)
# The short badge of each level (E3, L1...); the full name is Level's label.
LEVEL_SHORT: dict[str, str] = {
    Level.PRE_ENTRY: "PE",
    Level.ENTRY_1: "E1",
    Level.ENTRY_2: "E2",
    Level.ENTRY_3: "E3",
    Level.LEVEL_1: "L1",
    Level.LEVEL_2: "L2",
    Level.LEVEL_3: "L3",
}

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

    @property
    def wants_a_level(self) -> bool:
        return self.value not in (NO_RESULTS, NOT_MAPPED)


def level_choices() -> list[LevelChoice]:
    """Every level condition the list offers: exact levels, then below, or below, or above."""
    levels = [(value, label, LEVEL_RANK[value]) for value, label in Level.choices]
    top = len(levels)
    choices = [LevelChoice(value, label, rank, rank) for value, label, rank in levels]
    choices += [LevelChoice(f"{_BELOW}{value}", f"Below {label}", None, rank - 1) for value, label, rank in levels[1:]]
    choices += [
        LevelChoice(f"{value}{_OR_BELOW}", f"{label} or below", None, rank) for value, label, rank in levels[1:-1]
    ]
    choices += [
        LevelChoice(f"{value}{_OR_ABOVE}", f"{label} or above", rank, top) for value, label, rank in levels[1:-1]
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
    """Records whose latest level in `subject` meets `choice` (one EXISTS on the summary)."""
    if choice.value == NO_RESULTS:
        return learners.filter(~Exists(_levels(subject)))
    if choice.value == NOT_MAPPED:
        return learners.filter(Exists(_levels(subject).filter(latest_rank__isnull=True)))
    ranks = Q(latest_rank__isnull=False)
    if choice.low is not None:
        ranks &= Q(latest_rank__gte=choice.low)
    if choice.high is not None:
        ranks &= Q(latest_rank__lte=choice.high)
    return learners.filter(Exists(_levels(subject).filter(ranks)))


def learners_with_unmapped(learners: QuerySet[Learner], *, present: bool = True) -> QuerySet[Learner]:
    """Records with (or without) a result whose level or subject no mapping row maps."""
    unmapped = LearnerLevel.objects.filter(learner=OuterRef("pk")).filter(
        Q(has_unmapped=True) | Q(subject=UNMAPPED_SUBJECT)
    )
    return learners.filter(Exists(unmapped) if present else ~Exists(unmapped))


def learners_initially_assessed(
    learners: QuerySet[Learner], *, subject: str | None, assessed: bool
) -> QuerySet[Learner]:
    """Records with (or yet without) an initial assessment in `subject`, or in any subject when None."""
    initial = LearnerLevel.objects.filter(learner=OuterRef("pk"), initial_count__gt=0)
    if subject is not None:
        initial = initial.filter(subject=subject)
    return learners.filter(Exists(initial) if assessed else ~Exists(initial))


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


def learners_by_level(learners: QuerySet[Learner], *, subject: str, descending: bool = False) -> QuerySet[Learner]:
    """Ordered by latest level in `subject` (records with no level last), then by name.

    A LEFT JOIN on the summary row, not a subquery per row: one pass however long the list.
    """
    alias = f"bksb_level_{subject}"
    rank = F(f"{alias}__latest_rank")
    return learners.annotate(
        **{alias: FilteredRelation("bksb_levels", condition=Q(bksb_levels__subject=subject))}
    ).order_by(
        rank.desc(nulls_last=True) if descending else rank.asc(nulls_last=True),
        "last_name",
        "first_name",
        "learner_ref",
    )


# Ids asked for at once: a page is one query; an export of every record, one per this many.
IDS_PER_QUERY = 2000


def latest_levels(*, learner_ids: Sequence[int], subject: str) -> dict[int, LearnerLevel]:
    """The summary rows of these records in one subject, by learner id."""
    found: dict[int, LearnerLevel] = {}
    for start in range(0, len(learner_ids), IDS_PER_QUERY):
        rows = LearnerLevel.objects.filter(
            learner_id__in=learner_ids[start : start + IDS_PER_QUERY], subject=subject
        ).only("learner_id", "subject", "latest_level", "latest_rank", "latest_date", "latest_list", "has_unmapped")
        found.update((row.learner_id, row) for row in rows)
    return found
