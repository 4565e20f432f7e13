"""The subject access export's readable copy: one PDF, a section per table, a block per row.

It is written with the evidence pack's PDF tooling (bksb_integration.evidence.pdf), so names print as
typed, and a value too long for its cell is printed whole in the appendix.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from fpdf.enums import XPos, YPos

from bksb_integration.evidence.pdf import FONT, NONE, PackPdf, appendix_print, day, when
from learners.models import Learner
from privacy.subject_access import HeldTable


def subject_access_pdf(*, learner: Learner, tables: list[HeldTable], made_at: dt.datetime, made_by: str) -> bytes:
    title = f"Subject access export: {learner.learner_ref}"
    pdf = PackPdf(title)
    pdf.set_title(title)
    pdf.set_author("bksbmis")
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=14)
    pdf.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rows = sum(len(table.rows) for table in tables)
    pdf.para(
        f"Everything this system holds about {learner.full_name} ({learner.learner_ref}): {rows} rows from "
        f"{len(tables)} tables, made {when(made_at)} by {made_by}. The same data, as stored, is in "
        "subject-access.json in this zip."
    )
    for table in tables:
        pdf.heading(f"{table.title} ({len(table.rows)})")
        for number, row in enumerate(table.rows, start=1):
            pairs = [(label, shown(row[name])) for name, label in table.fields]
            pdf.pairs(pairs, section=f"{table.title}, row {number}")
            pdf.ln(2)
    appendix_print(pdf)
    return bytes(pdf.output())


def shown(value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return when(value)
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return str(value)
