"""The audit sample's cover PDF: what the zip holds, who made it and when, how it was chosen, how to check it.

Drawn with the evidence pack's own document class (evidence/pdf.py), so names
print as written and long texts go to an appendix the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import pluralize
from fpdf.enums import XPos, YPos

from bksb_integration.evidence.pdf import FONT, PackPdf, appendix_print, when
from bksb_integration.evidence.sample import ManifestLine
from jobs.models import Job

CHECKING = (
    "Each file's fingerprint is the SHA-256 of its bytes, listed here and in manifest.csv. To check one, unzip "
    "the archive and, in its folder, run: sha256sum <file> (Linux), shasum -a 256 <file> (macOS) or "
    "certutil -hashfile <file> SHA256 (Windows), and compare the 64 characters with the list. A file whose "
    "fingerprint differs is not the file this sample made. Each pack also carries, on its last page, the "
    "SHA-256 of the stored bksb results it shows; that one is recomputed from the database."
)


def cover_pdf(*, job: Job, lines: Sequence[ManifestLine], made_by: str, made_at: dt.datetime) -> bytes:
    packs = [line for line in lines if line.file]
    title = f"Audit sample: {len(packs)} evidence pack{pluralize(len(packs))}"
    pdf = PackPdf(title)
    pdf.set_title(title)
    pdf.set_author("bksbmis")
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=14)
    pdf.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(f"Made {when(made_at)} by {made_by} (audit sample job {job.pk}).")
    pdf.para(_how_chosen(job))
    pdf.heading("Evidence packs in this zip")
    if packs:
        pdf.grid(
            ("Reference", "ULN", "File", "SHA-256"),
            [(line.reference, line.uln or "—", line.file, line.sha256) for line in packs],
            (22, 20, 42, 106),
            where=[f"Evidence packs, {line.reference}" for line in packs],
        )
    missed = [line for line in lines if not line.file]
    if missed:
        pdf.heading(f"Not in this zip ({len(missed)})")
        pdf.grid(
            ("Reference", "Why"),
            [(line.reference, line.note) for line in missed],
            (40, 150),
            where=[f"Not in this zip, {line.reference}" for line in missed],
        )
    more = int(job.params.get("not_found_count") or 0) - len(job.params.get("not_found", []))
    if more > 0:
        pdf.para(f"A further {intcomma(more)} reference{pluralize(more)} matched no record (not listed).")
    pdf.heading("Checking a fingerprint")
    pdf.para(CHECKING)
    if not any(line.uln for line in packs):
        pdf.para("ULNs are shown only when the person who made the sample holds View prior attainment.")
    appendix_print(pdf)
    return bytes(pdf.output())


def _how_chosen(job: Job) -> str:
    seed = job.params.get("seed")
    if seed is None:
        return "Chosen from a list of learner references and ULNs."
    cohort = job.params.get("cohort") or "every record"
    size = int(job.params.get("cohort_size") or 0)
    return (
        f"Drawn at random from a cohort of {intcomma(size)} record{pluralize(size)} ({cohort}) with seed {seed}. "
        "The same seed on the same cohort (same filters, no record added or removed) draws the same records again."
    )
