"""Stored bksb results as CSV, streamed a row at a time (web download and command alike).

bksb's strings are untrusted: every cell goes through bksbmis.csv_export, which
makes a would-be spreadsheet formula inert.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from bksb_integration.models import DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.models.mappings import Level, Subject
from bksbmis.csv_export import csv_lines as csv_text
from learners.models import Learner

HEADER = [
    "learner_ref",
    "list",
    "bksb_user_id",
    "session_id",
    "assessment_id",
    "course_subject",
    "course_name",
    "assessment_name",
    "result",
    "result_date",
    "percent_score",
    "subject",
    "level",
    "level_rank",
]
# The database columns behind HEADER[2:], read with values_list (no model objects).
COLUMNS = [
    "learner__learner_ref",
    "bksb_user_id",
    "session_id",
    "assessment_id",
    "course_subject",
    "course_name",
    "assessment_name",
    "result",
    "result_date",
    "subject",
    "level",
    "level_rank",
]
CHUNK = 2000

SUBJECT_LABELS = dict(Subject.choices)
LEVEL_LABELS = dict(Level.choices)


def result_rows(*, learner: Learner | None = None, among: QuerySet[Learner] | None = None) -> Iterator[list[Any]]:
    """The header, then one row per stored result: initial assessments first, then diagnostics.

    Every record's, one `learner`'s, or those of the records `among` (a caseload)."""
    yield HEADER
    for list_name, model in (("initial", InitialAssessmentResult), ("diagnostic", DiagnosticAssessmentResult)):
        rows = model.objects.all()
        if learner is not None:
            rows = rows.filter(learner=learner)
        if among is not None:
            rows = rows.filter(learner__in=among.order_by().values("pk"))
        yield from _rows(list_name, rows, with_score=model is DiagnosticAssessmentResult)


def _rows(list_name: str, rows: QuerySet[Any], *, with_score: bool) -> Iterator[list[Any]]:
    columns = [*COLUMNS, "percent_score"] if with_score else COLUMNS
    ordered = rows.order_by("learner__learner_ref", "-result_date", "-session_id").values_list(*columns)
    for values in ordered.iterator(chunk_size=CHUNK):
        (ref, user_id, session, assessment, code, course, name, result, when, subject, level, rank) = values[:12]
        score = values[12] if with_score else None
        yield [
            ref,
            list_name,
            user_id,
            session,
            assessment,
            code,
            course,
            name,
            result,
            timezone.localtime(when).isoformat(),
            "" if score is None else score,
            SUBJECT_LABELS.get(subject, ""),
            LEVEL_LABELS.get(level, ""),
            "" if rank is None else rank,
        ]


def csv_lines(*, learner: Learner | None = None, among: QuerySet[Learner] | None = None) -> Iterator[str]:
    """The export as CSV text, one line at a time, every cell neutralised."""
    return csv_text(result_rows(learner=learner, among=among))


def export_filename(*, learner: Learner | None = None) -> str:
    stamp = timezone.localdate().isoformat()
    if learner is None:
        return f"bksb-results-{stamp}.csv"
    safe_ref = "".join(ch for ch in learner.learner_ref if ch.isalnum() or ch in "-_") or "learner"
    return f"bksb-results-{safe_ref}-{stamp}.csv"
