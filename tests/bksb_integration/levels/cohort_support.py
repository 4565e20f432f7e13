"""A small cohort with known levels, stored as a download stores results (for the list and report tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from learners.models import Kind, Learner, LearningStatus
from tests.bksb_integration.levels.levels_support import item, store
from tests.factories import LearnerFactory

SEP = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def day(n: int) -> dt.datetime:
    return SEP + dt.timedelta(days=n)


@dataclass(frozen=True)
class Cohort:
    """Five learners starting in September, and one who started in January (not in the cohort)."""

    rising: Learner  # maths Entry 2 -> diagnostic Level 1 (up); English Entry 3
    steady: Learner  # maths Level 1, no diagnostic; ICT Level 2
    falling: Learner  # maths Entry 3 -> diagnostic Entry 2 (down); English result not mapped
    unassessed: Learner  # no results
    diagnostic_only: Learner  # maths diagnostic Entry 1 only (no initial assessment)
    january: Learner  # maths Pre-Entry, started in January, an applicant


def cohort_build() -> Cohort:
    def person(ref: str, last: str, *, start: dt.date = dt.date(2026, 9, 7), **extra: object) -> Learner:
        return LearnerFactory(learner_ref=ref, last_name=last, first_name="Ann", start_date=start, **extra)

    rising = person("C1", "Rising")
    steady = person("C2", "Steady")
    falling = person("C3", "Falling")
    unassessed = person("C4", "Unassessed")
    diagnostic_only = person("C5", "Diagnostic")
    january = person("C6", "January", start=dt.date(2026, 1, 12), kind=Kind.APPLICANT)
    store(
        rising,
        item(11, "Maths Entry 2", when=day(0)),
        item(12, "Maths Level 1", when=day(30), kind="diagnostic", score=71.0),
        item(13, "English Entry 3", subject="english", when=day(0), assessment_id=50010),
        user_id=3100001,
    )
    store(
        steady,
        item(21, "Maths Level 1", when=day(1)),
        item(22, "ICT Level 2", subject="ict", when=day(1), assessment_id=50020),
        user_id=3100002,
    )
    store(
        falling,
        item(31, "Maths Entry 3", when=day(2)),
        item(32, "Maths Entry 2", when=day(40), kind="diagnostic", score=20.0),
        item(33, "English Working Towards", subject="english", when=day(2), assessment_id=50030),
        user_id=3100003,
    )
    store(diagnostic_only, item(51, "Maths Entry 1", when=day(9), kind="diagnostic", score=40.0), user_id=3100005)
    store(january, item(61, "Maths Pre-Entry", when=day(-200)), user_id=3100006)
    Learner.objects.filter(pk=unassessed.pk).update(learning_status=LearningStatus.WITHDRAWN)
    return Cohort(rising, steady, falling, unassessed, diagnostic_only, january)
