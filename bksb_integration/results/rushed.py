"""Rushed assessments: a finished V5 session whose duration is below the threshold for its assessment type is
"completed unusually fast: consider a retake".

Worked out from what is stored (the session's DateStarted and DateCompleted), never by
asking bksb, and never stored: the thresholds are settings (Integrations > bksb > Download
options, "Rushed assessments"; bksb gives no expected time, so they are minutes per
assessment type), and a change applies at once. The list's filter is one EXISTS on the
sessions (their (learner, course subject) index), the tab and the board read a page of
records in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from bksb_integration.models import AssessmentSession, BksbSettings
from learners.models import Learner

RUSHED_WORDS = "completed unusually fast: consider a retake"
INITIAL = AssessmentSession.AssessmentType.INITIAL
DIAGNOSTIC = AssessmentSession.AssessmentType.DIAGNOSTIC


@dataclass(frozen=True)
class RushedThresholds:
    """Minutes per assessment type; a session finished in less is rushed (0: none is)."""

    initial_minutes: int
    diagnostic_minutes: int

    @classmethod
    def load(cls, settings: BksbSettings | None = None) -> RushedThresholds:
        settings = settings or BksbSettings.load()
        return cls(settings.rushed_initial_minutes, settings.rushed_diagnostic_minutes)

    def minutes(self, assessment_type: int) -> int:
        return self.initial_minutes if assessment_type == INITIAL else self.diagnostic_minutes


def session_duration(session: AssessmentSession) -> dt.timedelta | None:
    """How long a finished session took, from bksb's own start and finish times; None when either is missing."""
    if session.started_at is None or session.completed_at is None:
        return None
    return session.completed_at - session.started_at


def session_rushed(session: AssessmentSession, thresholds: RushedThresholds) -> bool:
    took = session_duration(session)
    minutes = thresholds.minutes(session.assessment_type)
    return took is not None and minutes > 0 and took < dt.timedelta(minutes=minutes)


def rushed_words(session: AssessmentSession) -> str:
    """ "Completed unusually fast: consider a retake (4 min)"."""
    took = session_duration(session)
    shown = f" ({max(int(took.total_seconds() // 60), 0)} min)" if took is not None else ""
    return f"{RUSHED_WORDS[0].upper()}{RUSHED_WORDS[1:]}{shown}"


def rushed_q(thresholds: RushedThresholds) -> Q:
    """A rushed session, as a condition on AssessmentSession rows (both databases: a datetime plus an interval)."""
    condition = Q(pk__in=[])
    for kind in (INITIAL, DIAGNOSTIC):
        minutes = thresholds.minutes(kind)
        if minutes > 0:
            condition |= Q(
                assessment_type=kind,
                started_at__isnull=False,
                completed_at__isnull=False,
                completed_at__lt=F("started_at") + dt.timedelta(minutes=minutes),
            )
    return condition


def learners_rushed(learners: QuerySet[Learner], thresholds: RushedThresholds | None = None) -> QuerySet[Learner]:
    """Records with a rushed session: the learner list's filter, one EXISTS."""
    thresholds = thresholds or RushedThresholds.load()
    rushed = AssessmentSession.objects.filter(learner_id=OuterRef("pk")).filter(rushed_q(thresholds))
    return learners.filter(Exists(rushed))


def rushed_sessions_for(
    learner_ids: Iterable[int], thresholds: RushedThresholds | None = None
) -> dict[int, list[AssessmentSession]]:
    """Each record's rushed sessions, newest first, one query (records with none are absent)."""
    thresholds = thresholds or RushedThresholds.load()
    found: dict[int, list[AssessmentSession]] = {}
    rows = AssessmentSession.objects.filter(learner_id__in=list(learner_ids)).filter(rushed_q(thresholds))
    for session in rows.order_by("learner_id", "-completed_at"):
        found.setdefault(session.learner_id, []).append(session)
    return found
