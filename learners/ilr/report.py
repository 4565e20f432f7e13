"""An ILR import's outcome in words, for the command and the job's window alike."""

from __future__ import annotations

from learners.ilr.importing import IlrCounts


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def ilr_counts_sentence(counts: IlrCounts) -> str:
    return (
        f"{_plural(counts.learners, 'learner')}: {counts.created:,} created, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged; aims {counts.aims_added:,} added, {counts.aims_updated:,} updated, "
        f"{counts.aims_removed:,} removed"
    )
