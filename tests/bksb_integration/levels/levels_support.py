"""Helpers for the levels, tags, funding flags and evidence pack tests: results stored as a download stores them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from bksb_integration.api.types import AssessmentResult
from bksb_integration.config.mapping import Mapper
from bksb_integration.models import BksbLink, LearnerLevel
from bksb_integration.sync.results_store import UpsertCounts, learner_results_store
from learners.models import Learner

USER = 2100001
OTHER_USER = 2100002
CODES = {"english": "ENG_NEW", "maths": "MATHS_NEW", "ict": "ICT", "esol": "ESOL_NEW"}


def item(
    session_id: int,
    result: str,
    *,
    subject: str = "maths",
    when: dt.datetime,
    kind: str = "initial",
    score: float | None = None,
    assessment_id: int = 50000,
    code: str | None = None,
    name: str = "",
) -> AssessmentResult:
    """A result as the bksb client hands it over, with its raw item."""
    code = code or CODES[subject]
    name = name or f"{subject.title()} {'Initial Assessment' if kind == 'initial' else 'Diagnostic'}"
    raw: dict[str, Any] = {
        "SessionId": session_id,
        "AssessmentID": assessment_id,
        "CourseSubject": code,
        "AssessmentName": name,
        "Result": result,
        "ResultDate": when.isoformat(),
    }
    if kind == "diagnostic":
        raw["PercentScore"] = score
    return AssessmentResult(
        kind=kind,  # type: ignore[arg-type]
        session_id=session_id,
        assessment_id=assessment_id,
        course_subject=code,
        course_name=f"{subject} course",
        assessment_name=name,
        result=result,
        result_date=when,
        percent_score=score,
        raw=raw,
    )


def store(
    learner: Learner, *results: AssessmentResult, user_id: int = USER, now: dt.datetime | None = None
) -> UpsertCounts:
    """Store results for a learner linked to `user_id`, as a download does (one transaction)."""
    link, _ = BksbLink.objects.get_or_create(learner=learner, defaults={"bksb_user_id": user_id})
    if link.bksb_user_id != user_id:
        BksbLink.objects.filter(pk=link.pk).update(bksb_user_id=user_id)
    pages = {
        "initial": [r for r in results if r.kind == "initial"],
        "diagnostic": [r for r in results if r.kind == "diagnostic"],
    }
    with transaction.atomic():
        return learner_results_store(
            learner_id=learner.pk,
            bksb_user_id=user_id,
            pages=pages,
            mapper=Mapper.load(),
            now=now or dt.datetime.now(dt.UTC),
        )


def level_of(learner: Learner, subject: str) -> LearnerLevel:
    return LearnerLevel.objects.get(learner=learner, subject=subject)
