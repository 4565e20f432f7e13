"""Storing V5 assessment sessions and their per-skill (EOA) rows: one upsert per kind.

A session is identified by (bksb user id, SessionId), whichever path read it
(a learner's download, the watch list, a download with sessions). An unfinished
session is stored with no completed time and becomes finished in place; a
finished one never goes back. A session's skills are stored once, with the time
they were read, so they are never asked for again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bksb_integration.api.types import AssessmentSession as ListedSession
from bksb_integration.api.types import EoaItem
from bksb_integration.config.mapping import Mapper
from bksb_integration.models import AssessmentSession, SkillResult
from bksbmis.upsert import Values, upsert_by_key

logger = logging.getLogger(__name__)

SESSION_FIELDS = ("learner_id", "course_subject", "subject", "assessment_type", "started_at", "completed_at", "raw")
SKILL_FIELDS = ("ability_measurement", "measuring_assessment_name", "measured_at", "level", "level_rank", "raw")
KNOWN_TYPES = frozenset(AssessmentSession.AssessmentType.values)


@dataclass
class SessionCounts:
    created: int = 0
    finished: int = 0  # stored unfinished before, finished now
    updated: int = 0
    unchanged: int = 0


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    # Stored in UTC, as result dates are: an ambiguous autumn time never compares equal across zones.
    return moment.astimezone(dt.UTC) if moment is not None else None


def sessions_upsert(
    *,
    learner_id: int,
    bksb_user_id: int,
    course_subject: str,
    sessions: Iterable[ListedSession],
    mapper: Mapper,
    now: dt.datetime,
) -> SessionCounts:
    """Insert new sessions of one course subject and update changed ones, in at most four queries.

    Call inside the caller's transaction. A type other than initial (1) or
    diagnostic (2) is not stored (and logged). Every listed session is marked seen now.
    """
    subject = mapper.subject(course_subject)
    rows: list[Values] = []
    for item in sessions:
        if item.assessment_type not in KNOWN_TYPES:
            logger.warning("bksb session %s has an unknown AssessmentType, not stored", item.session_id)
            continue
        rows.append(
            {
                "bksb_user_id": bksb_user_id,
                "session_id": item.session_id,
                "learner_id": learner_id,
                "course_subject": course_subject,
                "subject": subject,
                "assessment_type": item.assessment_type,
                "started_at": _utc(item.date_started),
                "completed_at": _utc(item.date_completed),
                "raw": item.raw,
                "first_seen_at": now,
                "last_seen_at": now,
            }
        )
    finishing: list[Values] = []

    def finished_stays_finished(stored: Values, wanted: Values) -> None:
        if stored["completed_at"] is not None and wanted["completed_at"] is None:
            wanted["completed_at"] = stored["completed_at"]
        elif stored["completed_at"] is None and wanted["completed_at"] is not None:
            finishing.append(stored)

    done = upsert_by_key(
        AssessmentSession,
        rows,
        key=("bksb_user_id", "session_id"),
        compare=SESSION_FIELDS,
        update=["last_seen_at"],
        settle=finished_stays_finished,
        touch={"last_seen_at": now},
    )
    return SessionCounts(
        created=len(done.created),
        finished=len(finishing),
        updated=len(done.updated) - len(finishing),
        unchanged=len(done.unchanged),
    )


def skills_upsert(*, bksb_user_id: int, reports: Mapping[int, list[EoaItem]], mapper: Mapper, now: dt.datetime) -> int:
    """Store the per-skill rows of finished sessions (SessionId -> its EOA rows), and mark them read.

    Sessions must be stored first (sessions_upsert). A session with no rows is
    marked read too (bksb had none for it). Returns the number of rows written;
    three queries whatever the count. Call inside the caller's transaction.
    """
    if not reports:
        return 0
    sessions = dict(
        AssessmentSession.objects.filter(bksb_user_id=bksb_user_id, session_id__in=reports).values_list(
            "session_id", "pk"
        )
    )
    rows: dict[tuple[int, str], Values] = {}
    for session_id, items in reports.items():
        if session_id not in sessions:
            continue
        for item in items:
            level, rank = mapper.level(item.ability_measurement) or (None, None)
            rows[(sessions[session_id], item.course_component_name)] = {
                "session_id": sessions[session_id],
                "component_name": item.course_component_name,
                "ability_measurement": item.ability_measurement,
                "measuring_assessment_name": item.measuring_assessment_name,
                "measured_at": _utc(item.measured_at),
                "level": level,
                "level_rank": rank,
                "raw": item.raw,
                "first_seen_at": now,
            }
    upsert_by_key(SkillResult, rows.values(), key=("session_id", "component_name"), update=SKILL_FIELDS)
    AssessmentSession.objects.filter(pk__in=sessions.values()).update(skills_read_at=now)
    return len(rows)
