"""The evidence pack as a PDF (fpdf2, pure Python), in DejaVu Sans so any name prints as written.

The fonts are bundled (evidence/fonts, with their licence). Text is written as
text, never as markup, so a name with HTML in it prints as typed; control
characters are dropped; a character the font lacks is left out by fpdf2
rather than stopping the pack.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bksb_integration.evidence.pack import NEVER_EDITED, NOT_ADVICE, EvidenceContent
from bksb_integration.levels.queries import SUBJECT_LABELS, level_label
from bksb_integration.models import LearnerLevel, Subject
from bksb_integration.models.results import AssessmentResult

# fontTools logs every glyph it keeps at INFO while fpdf2 subsets the font: not news.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
NONE = "—"


def clean(value: object) -> str:
    """Printable text: control characters (and other invisible ones) dropped, line breaks kept."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")


def when(value: dt.datetime | None) -> str:
    """A time in UK local time, as bksb gives it, with its zone: 2026-09-01 10:00 BST."""
    if value is None:
        return NONE
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


class _Pack(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.add_font(FONT, style="", fname=str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, style="B", fname=str(FONTS / "DejaVuSans-Bold.ttf"))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.cell(0, 5, f"{self.pack_title} · page {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, style="B", size=11)
        self.multi_cell(0, 6, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=8)

    def para(self, text: str, size: int = 8) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, 4, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pairs(self, rows: list[tuple[str, object]]) -> None:
        with self.table(col_widths=(45, 145), first_row_as_headings=False, line_height=4.5) as table:
            for label, value in rows:
                row = table.row()
                row.cell(clean(label))
                row.cell(clean(value) or NONE)

    def grid(self, headings: tuple[str, ...], rows: list[tuple[object, ...]], widths: tuple[int, ...]) -> None:
        self.set_font(FONT, size=7)
        with self.table(col_widths=widths, line_height=3.8) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(clean(value) or NONE)
        self.set_font(FONT, size=8)


def evidence_pdf(content: EvidenceContent) -> bytes:
    """The pack's PDF for one record."""
    learner = content.learner
    title = f"Evidence pack: {clean(learner.full_name)} ({clean(learner.learner_ref)})"
    pdf = _Pack(title)
    pdf.set_title(title)
    pdf.set_author("bksbmis")
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=14)
    pdf.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(f"Initial assessment evidence from bksb. Made {when(content.made_at)} by {content.made_by}.")
    _learner(pdf, content)
    _summary(pdf, content)
    _flags(pdf, content)
    _results(pdf, "Initial assessment results", content.initial, diagnostic=False, in_effect=content.bksb_user_id)
    _results(pdf, "Diagnostic results", content.diagnostic, diagnostic=True, in_effect=content.bksb_user_id)
    _skills(pdf, content)
    _integrity(pdf, content)
    return bytes(pdf.output())


def _learner(pdf: _Pack, content: EvidenceContent) -> None:
    learner = content.learner
    pdf.heading("Learner")
    pdf.pairs(
        [
            ("Name", learner.full_name),
            ("Reference", learner.learner_ref),
            ("Learner or applicant", learner.get_kind_display()),
            ("Date of birth", learner.date_of_birth.isoformat() if learner.date_of_birth else NONE),
            ("Email", learner.email),
            ("Learning status", learner.get_learning_status_display()),
            ("Start date", learner.start_date.isoformat() if learner.start_date else NONE),
            ("End date", learner.end_date.isoformat() if learner.end_date else NONE),
            ("bksb user id in effect", content.bksb_user_id or "Not resolved"),
            (
                "bksb username in effect",
                f"{content.username} (from the {content.username_source})" if content.username else "None",
            ),
        ]
    )


def _summary(pdf: _Pack, content: EvidenceContent) -> None:
    pdf.heading("Levels by subject (results of the bksb user in effect)")
    if not content.levels:
        pdf.para("No results of the bksb user in effect are stored.")
        return
    rows = [_summary_row(subject, content.levels[subject]) for subject in sorted(content.levels)]
    pdf.grid(
        ("Subject", "Latest level", "Highest level", "Latest initial assessment", "Latest diagnostic", "Unmapped"),
        rows,
        (22, 33, 33, 38, 42, 22),
    )
    if content.tags:
        pdf.para("Tags: " + "; ".join(f"{tag.tag} ({level_label(tag.level)})" for tag in content.tags))
    else:
        pdf.para("Tags: none.")


def _summary_row(subject: str, row: LearnerLevel) -> tuple[object, ...]:
    diagnostic = NONE
    if row.diagnostic_level:
        score = f", {row.diagnostic_score:g}%" if row.diagnostic_score is not None else ""
        diagnostic = f"{level_label(row.diagnostic_level)}{score} (SessionId {row.diagnostic_session_id})"
    return (
        SUBJECT_LABELS.get(subject, "Subject not mapped"),
        f"{level_label(row.latest_level)} (SessionId {row.latest_session_id})" if row.latest_level else NONE,
        f"{level_label(row.highest_level)} (SessionId {row.highest_session_id})" if row.highest_level else NONE,
        (
            f"{level_label(row.initial_latest_level)} (SessionId {row.initial_latest_session_id})"
            if row.initial_latest_level
            else NONE
        ),
        diagnostic,
        "Yes" if row.has_unmapped else "No",
    )


def _flags(pdf: _Pack, content: EvidenceContent) -> None:
    pdf.heading("Funding flags")
    pdf.para(NOT_ADVICE)
    if not content.flags:
        pdf.para("No funding flag is raised.")
        return
    pdf.grid(("Flag", "Rests on"), [(raised.label, raised.rests_on) for raised in content.flags], (85, 105))


def _results(pdf: _Pack, title: str, rows: list[AssessmentResult], *, diagnostic: bool, in_effect: int | None) -> None:
    pdf.heading(f"{title} ({len(rows)})")
    if not rows:
        pdf.para("None stored.")
        return
    headings: tuple[str, ...] = (
        "SessionId",
        "AssessmentID",
        "bksb user id",
        "Assessment",
        "Subject",
        "Result",
        "Level",
    )
    widths: tuple[int, ...] = (17, 23, 17, 28, 17, 26, 15)
    if diagnostic:
        headings, widths = (*headings, "Score"), (*widths, 12)
    headings, widths = (*headings, "bksb date", "Downloaded"), (*widths, 23, 23)
    scale = 190 / sum(widths)
    values = []
    for row in rows:
        line: tuple[object, ...] = (
            row.session_id,
            row.assessment_id,
            row.bksb_user_id,
            row.assessment_name,
            Subject(row.subject).label if row.subject else f"{row.course_subject} (not mapped)",
            row.result,
            row.get_level_display() if row.level else "Not mapped",
        )
        if diagnostic:
            score = getattr(row, "percent_score", None)
            line = (*line, f"{score:g}%" if score is not None else NONE)
        values.append((*line, when(row.result_date), when(row.first_seen_at)))
    pdf.grid(headings, values, tuple(max(1, round(w * scale)) for w in widths))
    if any(row.bksb_user_id != in_effect for row in rows):
        pdf.para(
            "A result whose bksb user id is not the one in effect came from a previous bksb user of this record: "
            "it counts in no level, tag or flag."
        )
    changed = [row for row in rows if row.last_changed_at != row.first_seen_at]
    if changed:
        pdf.para(
            "bksb later sent these results changed, and they were stored again as sent: "
            + "; ".join(f"SessionId {row.session_id} on {when(row.last_changed_at)}" for row in changed)
            + "."
        )


def _skills(pdf: _Pack, content: EvidenceContent) -> None:
    pdf.heading("Per-skill breakdown")
    if not content.skills:
        pdf.para("No per-skill breakdown is stored for this record's assessments.")
        return
    pdf.grid(
        ("SessionId", "Skill", "Measured", "Level", "When"),
        [(s.session_id, s.component, s.measurement, s.level, when(s.measured_at)) for s in content.skills],
        (20, 70, 40, 25, 35),
    )


def _integrity(pdf: _Pack, content: EvidenceContent) -> None:
    pdf.heading("Integrity")
    pdf.para(NEVER_EDITED)
    pdf.para(
        f"SHA-256 fingerprint of the {content.result_count} stored raw items, as bksb sent them: "
        "the SHA-256 of their canonical JSON (an array of list, bksb_user_id, session_id, assessment_id and raw, "
        "sorted by list, bksb user id, SessionId and AssessmentID; keys sorted; no spaces; UTF-8)."
    )
    pdf.set_font(FONT, style="B", size=9)
    pdf.multi_cell(0, 5, content.fingerprint, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=8)
