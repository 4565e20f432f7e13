"""The learner list's Judgements column (offered by the column chooser, hidden until chosen): each subject's newest
professional judgement, marked as a judgement, beside the bksb level columns and never in them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bksb_integration.decisions.judgements import latest_judgements
from bksb_integration.models import Judgement
from bksb_integration.models.decisions import JUDGED_SUBJECT_CHOICES
from learners.listing import ListColumn, list_column_register
from learners.models import Learner
from permissions.access import bksb_available, can_see_bksb

SUBJECT_ORDER = [value for value, _ in JUDGED_SUBJECT_CHOICES]


@dataclass(frozen=True)
class JudgedLevel:
    subject: str
    level: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.level} (judgement)"


def _values(learners: Sequence[Learner]) -> Mapping[int, list[JudgedLevel]]:
    """One query for the page: each record's newest judgement per subject."""
    latest = latest_judgements([learner.pk for learner in learners])
    found: dict[int, list[tuple[int, Judgement]]] = {}
    for (learner_id, subject), judgement in latest.items():
        found.setdefault(learner_id, []).append((SUBJECT_ORDER.index(subject), judgement))
    return {
        learner_id: [JudgedLevel(j.get_subject_display(), j.get_level_display()) for _, j in sorted(rows, key=_first)]
        for learner_id, rows in found.items()
    }


def _first(row: tuple[int, Judgement]) -> int:
    return row[0]


def _csv(value: list[JudgedLevel] | None) -> str:
    return "; ".join(str(judged) for judged in value or [])


JUDGEMENT_COLUMN = ListColumn(
    key="bksb_judgements",
    header="Judgements",
    values=_values,
    template="bksb_integration/decisions/_judgement_cell.html",
    csv=_csv,
    visible_to=can_see_bksb,
    shown_by_default=False,
)


def list_judgements_register() -> None:
    if bksb_available():
        list_column_register(JUDGEMENT_COLUMN)
