"""The evidence pack as a PDF (fpdf2, pure Python), in DejaVu Sans so any name prints as written.

The fonts are bundled (evidence/fonts, with their licence). Text is written as
text, never as markup, so a name with HTML in it prints as typed; control
characters are dropped; a character the font lacks is left out by fpdf2
rather than stopping the pack.

bksb's answers are untrusted and of any length, and a table row must fit on one
page: a table cell holds at most CELL_LIMIT characters (a label cell
LABEL_LIMIT). A longer text is cut there, says "continued in the appendix, A<n>",
and is printed whole in the pack's appendix, where paragraphs run over pages.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bksb_integration.evidence.pack import NEVER_EDITED, NOT_ADVICE, EvidenceContent
from bksb_integration.evidence.staff_records import (
    DECISION_HEADINGS,
    DECISION_WIDTHS,
    JUDGEMENT_HEADINGS,
    JUDGEMENT_WIDTHS,
    decision_table,
    judgement_table,
)
from bksb_integration.levels.queries import SUBJECT_LABELS, level_label
from bksb_integration.models import LearnerLevel, Subject
from bksb_integration.models.results import AssessmentResult
from bksbmis.dates import uk_date, uk_datetime

# fontTools logs every glyph it keeps at INFO while fpdf2 subsets the font: not news.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
NONE = "—"
# The most a cell holds before its text moves to the appendix: a table row cannot
# break across pages, and these keep the tallest row (a word-wrapped cell of the
# narrowest column at 7 pt) well under a page.
CELL_LIMIT = 200
LABEL_LIMIT = 600


def clean(value: object) -> str:
    """Printable text: control characters (and other invisible ones) dropped, line breaks kept."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")


def when(value: dt.datetime | None) -> str:
    """A time in UK local time, with its zone, in the product's one form: 1 Sep 2026 10:00 BST."""
    return uk_datetime(value) if value is not None else NONE


def day(value: dt.date | None) -> str:
    """A date in the same form: 1 Sep 2026."""
    return uk_date(value) if value is not None else NONE


class PackPdf(FPDF):
    """An A4 document in the packs' one style: headings, paragraphs, label-value pairs, tables, an appendix."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack_title = title
        # Texts too long for their cell, printed whole at the end: (note, where it belongs, the text).
        self.appendix: list[tuple[str, str, str]] = []
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

    def fit(self, value: object, *, where: str, limit: int = CELL_LIMIT) -> str:
        """The cell's text, or its first `limit` characters and a pointer to the appendix holding it whole."""
        text = clean(value) or NONE
        if len(text) <= limit:
            return text
        note = f"A{len(self.appendix) + 1}"
        self.appendix.append((note, where, text))
        return f"{text[:limit]}… (continued in the appendix, {note})"

    def pairs(self, rows: list[tuple[str, object]], *, section: str) -> None:
        with self.table(col_widths=(45, 145), first_row_as_headings=False, line_height=4.5) as table:
            for label, value in rows:
                row = table.row()
                row.cell(clean(label))
                row.cell(self.fit(value, where=f"{section}, {label}", limit=LABEL_LIMIT))

    def grid(
        self,
        headings: tuple[str, ...],
        rows: list[tuple[object, ...]],
        widths: tuple[int, ...],
        *,
        where: list[str],
    ) -> None:
        """A table; where[i] names row i for the appendix (e.g. "Initial assessment results, SessionId 5")."""
        self.set_font(FONT, size=7)
        with self.table(col_widths=widths, line_height=3.8) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for values, place in zip(rows, where, strict=True):
                row = table.row()
                for heading, value in zip(headings, values, strict=True):
                    row.cell(self.fit(value, where=f"{place}, {heading}"))
        self.set_font(FONT, size=8)


def evidence_pdf(content: EvidenceContent) -> bytes:
    """The pack's PDF for one record."""
    learner = content.learner
    # The title is repeated in every page's one-line footer: long names are shortened there (whole under Learner).
    title = f"Evidence pack: {_short(learner.full_name)} ({_short(learner.learner_ref)})"
    pdf = PackPdf(title)
    pdf.set_title(title)
    pdf.set_author("bksbmis")
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=14)
    pdf.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(f"Initial assessment evidence from bksb. Made {when(content.made_at)} by {content.made_by}.")
    _learner(pdf, content)
    _attainment(pdf, content)
    _findings(pdf, content)
    _summary(pdf, content)
    _flags(pdf, content)
    _beside_results(pdf, content)
    _results(pdf, "Initial assessment results", content.initial, diagnostic=False, in_effect=content.bksb_user_id)
    _results(pdf, "Diagnostic results", content.diagnostic, diagnostic=True, in_effect=content.bksb_user_id)
    _skills(pdf, content)
    _rushed(pdf, content)
    _integrity(pdf, content)
    appendix_print(pdf)
    return bytes(pdf.output())


def _learner(pdf: PackPdf, content: EvidenceContent) -> None:
    learner = content.learner
    pdf.heading("Learner")
    pdf.pairs(
        [
            ("Name", learner.full_name),
            ("Reference", learner.learner_ref),
            ("Learner or applicant", learner.get_kind_display()),
            ("Date of birth", day(learner.date_of_birth)),
            ("Email", learner.email),
            ("Learning status", learner.get_learning_status_display()),
            ("Start date", day(learner.start_date)),
            ("End date", day(learner.end_date)),
            ("bksb user id in effect", content.bksb_user_id or "Not resolved"),
            (
                "bksb username in effect",
                f"{content.username} (from the {content.username_source})" if content.username else "None",
            ),
        ],
        section="Learner",
    )


def _findings(pdf: PackPdf, content: EvidenceContent) -> None:
    """The record's ILR cross-check findings (Management > BKSB > ILR cross-check), with the attainment above."""
    if content.findings is None:
        return
    pdf.heading(f"ILR cross-check findings ({len(content.findings)})")
    if not content.findings:
        pdf.para("The ILR cross-check finds no contradiction between this record's ILR data, bksb and the rules.")
        return
    rows: list[tuple[object, ...]] = [
        (
            f"{finding.rule.title} ({finding.code})"
            + (f", aim {finding.aim_seq_number}" if finding.aim_seq_number else ""),
            finding.ilr_facts,
            finding.other_facts,
            finding.fix,
        )
        for finding in content.findings
    ]
    where = [f"ILR cross-check findings, row {n}" for n in range(1, len(rows) + 1)]
    pdf.grid(("Finding", "The ILR says", "bksb or the rule says", "Fix"), rows, (45, 45, 45, 55), where=where)


def _attainment(pdf: PackPdf, content: EvidenceContent) -> None:
    """Prior attainment and learning aims, in the pack only for makers with View prior attainment."""
    shown = content.attainment
    if shown is None:
        return
    pdf.heading("Prior attainment")
    pdf.pairs(
        [
            ("ULN", shown.uln),
            ("GCSE English grade", shown.english_grade),
            ("GCSE maths grade", shown.maths_grade),
            ("Prior attainment level", shown.prior_level),
            ("Learner FAMs", "; ".join(shown.fams) or "None recorded"),
            ("Where these came from", shown.source),
        ],
        section="Prior attainment",
    )
    pdf.heading(f"Learning aims ({len(shown.aims)})")
    if not shown.aims:
        pdf.para("No learning aim is recorded.")
        return
    rows: list[tuple[object, ...]] = [
        (
            aim.seq,
            f"{aim.ref} {aim.subject_level or aim.title}".strip(),
            aim.aim_type,
            aim.fund_model,
            aim.programme,
            f"{day(aim.start)} to {day(aim.planned_end)}",
            day(aim.actual_end),
            f"{aim.status}; {aim.outcome}",
            aim.planned_hours,
        )
        for aim in shown.aims
    ]
    pdf.grid(
        ("Seq", "Aim", "Type", "Funding", "Programme", "Start to planned end", "Ended", "Status", "Planned hours"),
        rows,
        (9, 27, 20, 22, 22, 27, 16, 27, 20),
        where=[f"Learning aims, aim {aim.seq}" for aim in shown.aims],
    )


def _summary(pdf: PackPdf, content: EvidenceContent) -> None:
    pdf.heading("Levels by subject (results of the bksb user in effect)")
    if not content.levels:
        pdf.para("No results of the bksb user in effect are stored.")
        return
    judged = content.latest_judgements
    rows = [
        (*_summary_row(subject, content.levels[subject]), _judged(judged.get(subject)))
        for subject in sorted(content.levels)
    ]
    pdf.grid(
        (
            "Subject",
            "Latest level",
            "Highest level",
            "Latest initial assessment",
            "Latest diagnostic",
            "Unmapped",
            "Judgement (beside, not a result)",
        ),
        rows,
        (20, 29, 29, 33, 37, 16, 26),
        where=[f"Levels by subject, {row[0]}" for row in rows],
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


def _judged(judgement: object) -> str:
    return f"Judgement: {judgement.get_level_display()}" if judgement is not None else NONE  # type: ignore[attr-defined]


def _beside_results(pdf: PackPdf, content: EvidenceContent) -> None:
    """The decisions and judgements staff recorded: never edited, and never part of the results or fingerprint."""
    pdf.heading("English and maths decisions")
    pdf.para("Entries are added, never edited or deleted; a mistaken entry is superseded by a later one that says why.")
    decisions = decision_table(content)
    if decisions:
        where = [f"English and maths decisions, entry {row[0]}" for row in decisions]
        pdf.grid(DECISION_HEADINGS, decisions, DECISION_WIDTHS, where=where)
    else:
        pdf.para("No decision recorded.")
    pdf.heading("Professional judgements")
    pdf.para("A tutor's judgement of a level, beside the bksb results: it changes no result and no level above.")
    judgements = judgement_table(content)
    if judgements:
        where = [f"Professional judgements, row {n}" for n in range(1, len(judgements) + 1)]
        pdf.grid(JUDGEMENT_HEADINGS, judgements, JUDGEMENT_WIDTHS, where=where)
    else:
        pdf.para("No judgement recorded.")


def _flags(pdf: PackPdf, content: EvidenceContent) -> None:
    pdf.heading("Funding flags")
    pdf.para(NOT_ADVICE)
    if not content.flags:
        pdf.para("No funding flag is raised.")
        return
    pdf.grid(
        ("Flag", "Rests on"),
        [(raised.label, raised.rests_on) for raised in content.flags],
        (85, 105),
        where=[f"Funding flags, row {n}" for n in range(1, len(content.flags) + 1)],
    )


def _results(
    pdf: PackPdf, title: str, rows: list[AssessmentResult], *, diagnostic: bool, in_effect: int | None
) -> None:
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
    where = [f"{title}, SessionId {row.session_id}, AssessmentID {row.assessment_id}" for row in rows]
    pdf.grid(headings, values, tuple(max(1, round(w * scale)) for w in widths), where=where)
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


def _skills(pdf: PackPdf, content: EvidenceContent) -> None:
    pdf.heading("Per-skill breakdown")
    if content.skills_held or content.skills_to_come:
        held = ", ".join(str(session_id) for session_id in content.skills_held) or "none"
        text = f"This pack holds the skills of the finished sessions with SessionId {held}."
        if content.skills_to_come:
            waiting = ", ".join(str(session_id) for session_id in content.skills_to_come)
            text += f" Still to come from bksb (read later by the skills backfill): SessionId {waiting}."
        pdf.para(text)
    if not content.skills:
        pdf.para("No per-skill breakdown is stored for this record's assessments.")
        return
    pdf.grid(
        ("SessionId", "Skill", "Measured", "Level", "When"),
        [(s.session_id, s.component, s.measurement, s.level, when(s.measured_at)) for s in content.skills],
        (20, 70, 40, 25, 35),
        where=[f"Per-skill breakdown, SessionId {s.session_id}" for s in content.skills],
    )


def _rushed(pdf: PackPdf, content: EvidenceContent) -> None:
    pdf.heading("Assessments completed unusually fast")
    threshold = f"Marked when a finished session took less than {content.rushed_thresholds} (the college's setting)."
    if not content.rushed:
        pdf.para(f"No finished assessment session was completed unusually fast. {threshold}")
        return
    pdf.para(threshold)
    for line in content.rushed:
        pdf.para(line)


def _integrity(pdf: PackPdf, content: EvidenceContent) -> None:
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


def appendix_print(pdf: PackPdf) -> None:
    """Every text too long for its cell, whole (a paragraph may run over several pages)."""
    if not pdf.appendix:
        return
    pdf.heading("Appendix: texts too long for their table cell, in full")
    for note, where, text in pdf.appendix:
        pdf.set_font(FONT, style="B", size=8)
        pdf.multi_cell(0, 4, f"{note}. {clean(where)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.para(text)
        pdf.ln(1)


def _short(value: object, limit: int = 60) -> str:
    text = " ".join(clean(value).split())
    return text if len(text) <= limit else f"{text[:limit]}…"
