"""What the BKSB tab shows of the decisions and judgements: each subject's decision history (and from it the
latest decisions the funding flags read), the judgements, and the latest judgement per subject for the Levels by
subject table (two queries)."""

from __future__ import annotations

from typing import Any

from bksb_integration.decisions.judgements import JUDGEMENT_WORD, judgement_history
from bksb_integration.decisions.record import decision_history, latest_in_history, subject_label
from bksb_integration.models import Judgement
from learners.models import Learner


def decisions_context(learner: Learner) -> dict[str, Any]:
    judgements = judgement_history(learner=learner)
    latest: dict[str, Judgement] = {}
    for judgement in judgements:  # newest first
        latest.setdefault(judgement.subject, judgement)
    history = decision_history(learner=learner)
    return {
        "decision_subjects": [(subject, subject_label(subject), entries) for subject, entries in history.items()],
        # The latest current decision per subject, as latest_decisions gives it, for the funding flags.
        "latest_decisions": latest_in_history(history),
        "judgements": judgements,
        "latest_judgements": latest,
        "judgement_word": JUDGEMENT_WORD,
    }


def with_judgements(summary: list[Any], latest: dict[str, Judgement]) -> list[tuple[Any, Judgement | None]]:
    """The Levels by subject rows, each beside the subject's latest judgement (shown, never merged)."""
    return [(row, latest.get(row.subject)) for row in summary]
