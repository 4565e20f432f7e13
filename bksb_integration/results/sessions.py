"""Reading a learner's V5 assessment sessions and skills for the BKSB tab and exports: two queries.

The skills profile of a subject is the latest measured level of each component
(bksb's own component names), drawn as a small server-rendered bar chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from bksb_integration.models import AssessmentSession, SkillResult
from bksb_integration.models.mappings import LEVEL_RANK, Level
from bksb_integration.results.rushed import RushedThresholds, rushed_words, session_rushed
from learners.models import Learner

# The chart's geometry, in SVG user units.
LABEL_WIDTH = 230
BAR_WIDTH = 280
ROW_HEIGHT = 22
BAR_HEIGHT = 14
TOP_RANK = max(LEVEL_RANK.values())


@dataclass(frozen=True)
class ProfileRow:
    """One component's latest measured level, with its bar's place in the chart."""

    component: str
    measurement: str
    level_label: str
    measured_on: dt.datetime | None
    y: int
    text_y: int
    bar_width: int

    @property
    def mapped(self) -> bool:
        return bool(self.level_label)


@dataclass(frozen=True)
class SkillsProfile:
    subject: str
    label: str
    rows: list[ProfileRow]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 80
    bar_x: int = LABEL_WIDTH
    gridlines: tuple[int, ...] = ()


@dataclass(frozen=True)
class LearnerSessions:
    sessions: list[AssessmentSession]
    profiles: list[SkillsProfile]
    rushed: dict[int, str] = field(default_factory=dict)  # session pk: "Completed unusually fast: ..."


def learner_sessions(*, learner: Learner, thresholds: RushedThresholds | None = None) -> LearnerSessions:
    """A learner's sessions, newest first, each with its skills; a skills profile per subject; the rushed ones."""
    skills = Prefetch("skills", queryset=SkillResult.objects.order_by("pk"))
    sessions = list(
        AssessmentSession.objects.filter(learner=learner)
        .order_by("-started_at", "-session_id")
        .prefetch_related(skills)
    )
    thresholds = thresholds or RushedThresholds.load()
    rushed = {s.pk: rushed_words(s) for s in sessions if session_rushed(s, thresholds)}
    return LearnerSessions(sessions, _profiles(sessions), rushed)


def _profiles(sessions: list[AssessmentSession]) -> list[SkillsProfile]:
    latest: dict[str, dict[str, SkillResult]] = {}
    labels: dict[str, str] = {}
    for session in sessions:
        for skill in session.skills.all():
            by_component = latest.setdefault(session.course_subject, {})
            when = _when(skill, session)
            held = by_component.get(skill.component_name)
            if held is None or when > _when(held, held.session):
                by_component[skill.component_name] = skill
        labels[session.course_subject] = session.get_course_subject_display()
    return [
        _profile(code, labels[code], list(latest[code].values()))
        for code in AssessmentSession.CourseSubject.values
        if latest.get(code)
    ]


def _when(skill: SkillResult, session: AssessmentSession) -> dt.datetime:
    return skill.measured_at or session.completed_at or session.started_at or dt.datetime.min.replace(tzinfo=dt.UTC)


def _profile(code: str, label: str, skills: list[SkillResult]) -> SkillsProfile:
    rows = []
    for index, skill in enumerate(skills):
        rank = skill.level_rank or 0
        rows.append(
            ProfileRow(
                component=skill.component_name,
                measurement=skill.ability_measurement,
                level_label=Level(skill.level).label if skill.level else "",
                measured_on=skill.measured_at,
                y=index * ROW_HEIGHT + 4,
                text_y=index * ROW_HEIGHT + 4 + BAR_HEIGHT - 3,
                bar_width=round(BAR_WIDTH * rank / TOP_RANK),
            )
        )
    gridlines = tuple(LABEL_WIDTH + round(BAR_WIDTH * rank / TOP_RANK) for rank in LEVEL_RANK.values())
    return SkillsProfile(code, label, rows, height=len(rows) * ROW_HEIGHT + 8, gridlines=gridlines)
