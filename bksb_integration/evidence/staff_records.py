"""What staff recorded beside the bksb results, as the evidence pack's tables: the English and maths decision
history (superseded entries marked, with why) and the professional judgements (marked "Judgement")."""

from __future__ import annotations

from bksb_integration.decisions.record import decision_words
from bksb_integration.evidence.pack import EvidenceContent
from bksbmis.dates import uk_date, uk_datetime

DECISION_HEADINGS = ("Entry", "Subject", "Decision", "Discussed by", "Plan re-signed", "Note", "Recorded")
DECISION_WIDTHS = (12, 16, 52, 26, 20, 36, 28)
JUDGEMENT_HEADINGS = ("Subject", "Judgement", "Reason", "Attached file", "Recorded")
JUDGEMENT_WIDTHS = (20, 26, 80, 32, 32)


def _recorded(when: object, who: object) -> str:
    return f"{uk_datetime(when)} by {who.get_username() if who else 'Command line'}"  # type: ignore[arg-type, attr-defined]


def decision_table(content: EvidenceContent) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for d in content.decisions:
        status = decision_words(d)
        if d.supersedes_id:
            status += f". Corrects entry {d.supersedes_id}: {d.supersede_reason}"
        if d.pk in content.superseded:
            status += f". Superseded by entry {content.superseded[d.pk]}"
        rows.append(
            (
                d.pk,
                d.get_subject_display(),
                status,
                d.discussed_by,
                uk_date(d.plan_resigned_on) if d.plan_resigned_on else "—",
                d.note or "—",
                _recorded(d.recorded_at, d.recorded_by),
            )
        )
    return rows


def judgement_table(content: EvidenceContent) -> list[tuple[object, ...]]:
    return [
        (
            j.get_subject_display(),
            f"Judgement: {j.get_level_display()}",
            j.reason,
            j.file_name or "—",
            _recorded(j.recorded_at, j.recorded_by),
        )
        for j in content.judgements
    ]
