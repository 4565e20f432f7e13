"""bksb strings are untrusted and may be very long: they are stored whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bksb_integration.api.types import AssessmentResult
from bksb_integration.config.mapping import Mapper, results_remap
from bksb_integration.models import InitialAssessmentResult
from bksb_integration.sync.results_store import results_upsert
from tests.factories import LearnerFactory

LONG = "Maths " + "<b>x</b> \"quoted\" 'q' 🙂 " * 800 + "Entry 3"


def _result(session_id: int) -> AssessmentResult:
    item = {"SessionId": session_id, "AssessmentID": 50000, "Result": LONG, "CourseSubject": "MATHS_NEW" * 500}
    return AssessmentResult(
        kind="initial",
        session_id=session_id,
        assessment_id=50000,
        course_subject=item["CourseSubject"],
        course_name=LONG,
        assessment_name=LONG,
        result=LONG,
        result_date=dt.datetime(2026, 10, 5, 10, 21, tzinfo=dt.UTC),
        percent_score=None,
        raw=item,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("database", [pytest.param("any"), pytest.param("postgres", marks=pytest.mark.postgres)])
def test_results_with_very_long_text_are_stored_and_remapped(database):
    learner = LearnerFactory()
    counts = results_upsert(
        kind="initial",
        learner_id=learner.pk,
        bksb_user_id=2100001,
        results=[_result(1), _result(2)],
        mapper=Mapper.load(),
        now=timezone.now(),
    )
    assert counts.created == 2
    stored = InitialAssessmentResult.objects.get(session_id=1)
    assert stored.result == LONG
    assert stored.level == "entry_3"  # the text ends "Entry 3"
    results_remap()
    assert InitialAssessmentResult.objects.filter(result=LONG, level="entry_3").count() == 2
