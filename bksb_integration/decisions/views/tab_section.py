"""What the BKSB tab shows of the decisions and judgements: each subject's decision history, the judgements, and
the latest judgement per subject for the Levels by subject table (two queries)."""

from __future__ import annotations

from typing import Any

from bksb_integration.decisions.judgements import JUDGEMENT_WORD, judgement_history
from bksb_integration.decisions.record import decision_history, subject_label
from bksb_integration.models import Judgement
from learners.models import Learner


def decisions_context(learner: Learner) -> dict[str, Any]:
    judgements = judgement_history(learner=learner)
    latest: dict[str, Judgement] = {}
    for judgement in judgements:  # newest first
        latest.setdefault(judgement.subject, judgement)
    return {
        "decision_subjects": [
            (subject, subject_label(subject), entries) for subject, entries in decision_history(learner=learner).items()
        ],
        "judgements": judgements,
        "latest_judgements": latest,
        "judgement_word": JUDGEMENT_WORD,
    }


def with_judgements(summary: list[Any], latest: dict[str, Judgement]) -> list[tuple[Any, Judgement | None]]:
    """The Levels by subject rows, each beside the subject's latest judgement (shown, never merged)."""
    return [(row, latest.get(row.subject)) for row in summary]
