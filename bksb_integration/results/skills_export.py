"""Stored assessment sessions and their per-skill rows as CSV: one row per component measured,
and one (with empty component columns) per session with none. One query, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from bksb_integration.models import AssessmentSession
from bksb_integration.models.mappings import Level, Subject
from bksb_integration.results.export import CHUNK
from bksbmis.csv_export import csv_lines as csv_text
from learners.models import Learner

HEADER = [
    "learner_ref",
    "bksb_user_id",
    "course_subject",
    "subject",
    "session_id",
    "assessment_type",
    "started_at",
    "completed_at",
    "component_name",
    "ability_measurement",
    "measuring_assessment_name",
    "measured_at",
    "level",
    "level_rank",
]
COLUMNS = [
    "learner__learner_ref",
    "bksb_user_id",
    "course_subject",
    "subject",
    "session_id",
    "assessment_type",
    "started_at",
    "completed_at",
    "skills__component_name",
    "skills__ability_measurement",
    "skills__measuring_assessment_name",
    "skills__measured_at",
    "skills__level",
    "skills__level_rank",
]
TYPES = dict(AssessmentSession.AssessmentType.choices)
SUBJECTS = dict(Subject.choices)
LEVELS = dict(Level.choices)


def _time(value: Any) -> str:
    return timezone.localtime(value).isoformat() if value is not None else ""


def skill_rows(*, learner: Learner | None = None, among: QuerySet[Learner] | None = None) -> Iterator[list[Any]]:
    """The header, then the sessions (newest first per learner) with their components: every record's, one
    `learner`'s, or those of the records `among` (a caseload)."""
    yield HEADER
    sessions = AssessmentSession.objects.all()
    if learner is not None:
        sessions = sessions.filter(learner=learner)
    if among is not None:
        sessions = sessions.filter(learner__in=among.order_by().values("pk"))
    ordered = sessions.order_by("learner__learner_ref", "-started_at", "session_id", "skills__id")
    for values in ordered.values_list(*COLUMNS).iterator(chunk_size=CHUNK):
        ref, user_id, code, subject, session, kind, started, completed, name, measured, by, when, level, rank = values
        yield [
            ref,
            user_id,
            code,
            SUBJECTS.get(subject, ""),
            session,
            TYPES.get(kind, kind),
            _time(started),
            _time(completed),
            name or "",
            measured or "",
            by or "",
            _time(when),
            LEVELS.get(level, ""),
            "" if rank is None else rank,
        ]


def skills_csv_lines(*, learner: Learner | None = None, among: QuerySet[Learner] | None = None) -> Iterator[str]:
    return csv_text(skill_rows(learner=learner, among=among))


def skills_filename(*, learner: Learner | None = None) -> str:
    stamp = timezone.localdate().isoformat()
    if learner is None:
        return f"bksb-skills-{stamp}.csv"
    safe_ref = "".join(ch for ch in learner.learner_ref if ch.isalnum() or ch in "-_") or "learner"
    return f"bksb-skills-{safe_ref}-{stamp}.csv"
