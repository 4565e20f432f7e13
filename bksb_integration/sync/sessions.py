"""Reading V5 assessment sessions and their per-skill (EOA) rows: only the requests that are needed.

A learner's sessions are read when their new results show a session not seen
before, when they are on the watch list (watch.py), or when staff ask (a
download "with sessions"). The per-skill rows of a finished session are read
once, and never again once stored. A nightly download with nothing new
therefore reads no session at all.

A download a person asked for (BKSB Results, a Get Results "with sessions", the
watch list) reads the skills (EOA) reports that matter now (`skills_chosen`): in each
course subject, the latest finished session of each assessment type, and the first
finished initial assessment (distance travelled is measured from it). Get Results
for everyone (nightly, or by hand) reads none (`with_skills=False`): nobody is
waiting on them, and they would be most of its requests. The other finished sessions
keep no skills until the skills backfill (skills_backfill.py) reads them with what
the budget has left, or staff open one on the BKSB tab. A first download of a long
history so costs a few requests, not one per session ever sat.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from bksb_integration.api.client import BksbClient
from bksb_integration.api.errors import BksbPermanentError, BksbSessionNotFound
from bksb_integration.api.types import AssessmentResult, EoaItem
from bksb_integration.api.types import AssessmentSession as ListedSession
from bksb_integration.config.mapping import Mapper
from bksb_integration.models import AssessmentSession, DiagnosticAssessmentResult, InitialAssessmentResult
from bksb_integration.sync.sessions_store import sessions_upsert, skills_upsert

logger = logging.getLogger(__name__)

V5_SUBJECTS = tuple(AssessmentSession.CourseSubject.values)
UNREADABLE = "some assessment sessions could not be read (bksb answered something unexpected)"


@dataclass
class SessionsRead:
    """What was read of one learner's sessions, and what it cost."""

    listed: dict[str, list[ListedSession]] = field(default_factory=dict)
    reports: dict[int, list[EoaItem]] = field(default_factory=dict)
    session_requests: int = 0
    eoa_requests: int = 0
    problem: str = ""

    def finished_ids(self) -> set[int]:
        return {s.session_id for sessions in self.listed.values() for s in sessions if s.is_finished}


@dataclass
class SessionsStored:
    sessions: int = 0  # new, finished or changed
    skills: int = 0


def subjects_with_unseen_sessions(*, bksb_user_id: int, results: Iterable[AssessmentResult]) -> list[str]:
    """The V5 course subjects of results that are new and name a session not stored before (three queries)."""
    candidates = {r.session_id: r.course_subject.upper() for r in results if r.course_subject.upper() in V5_SUBJECTS}
    if not candidates:
        return []
    known = set(
        AssessmentSession.objects.filter(bksb_user_id=bksb_user_id, session_id__in=candidates).values_list(
            "session_id", flat=True
        )
    )
    for model in (InitialAssessmentResult, DiagnosticAssessmentResult):
        stored = model.objects.filter(bksb_user_id=bksb_user_id, session_id__in=candidates)
        known.update(stored.values_list("session_id", flat=True))
    return sorted({code for session_id, code in candidates.items() if session_id not in known})


def skills_chosen(listed: dict[str, list[ListedSession]]) -> set[int]:
    """The finished sessions whose skills a download reads: per course subject, the latest
    finished of each assessment type, and the first finished initial assessment."""
    chosen: set[int] = set()
    for sessions in listed.values():
        finished = [s for s in sessions if s.is_finished]
        for kind in {s.assessment_type for s in finished}:
            of_kind = [s for s in finished if s.assessment_type == kind]
            chosen.add(max(of_kind, key=_completed_order).session_id)
            if kind == AssessmentSession.AssessmentType.INITIAL:
                chosen.add(min(of_kind, key=_started_order).session_id)
    return chosen


def _completed_order(session: ListedSession) -> tuple[dt.datetime, int]:
    return (session.date_completed or session.date_started, session.session_id)


def _started_order(session: ListedSession) -> tuple[dt.datetime, int]:
    return (session.date_started, session.session_id)


def sessions_read(
    client: BksbClient, *, bksb_user_id: int, course_subjects: Iterable[str], with_skills: bool = True
) -> SessionsRead:
    """List the sessions of these course subjects, then read the skills of the chosen finished ones not read before.

    An answer bksb keeps getting wrong (malformed, refused) skips that list or
    session and is noted in `problem`; it is read again the next time the
    learner's sessions are. Unknown user, a refused key and bksb not answering
    raise, as for results: the learner's download fails and stores nothing.
    """
    read = SessionsRead()
    for code in course_subjects:
        read.session_requests += 1
        try:
            read.listed[code] = client.assessment_sessions_v5(bksb_user_id, code)
        except BksbPermanentError as exc:
            logger.warning("sessions of bksb user %s not read: %s", bksb_user_id, exc)
            read.problem = UNREADABLE
    chosen = skills_chosen(read.listed) if with_skills else set()
    if not chosen:
        return read
    already = AssessmentSession.objects.filter(
        bksb_user_id=bksb_user_id, session_id__in=chosen, skills_read_at__isnull=False
    ).values_list("session_id", flat=True)
    for session_id in sorted(chosen - set(already)):
        read.eoa_requests += 1
        try:
            read.reports[session_id] = client.eoa_report_v5(bksb_user_id, session_id)
        except BksbSessionNotFound:
            read.reports[session_id] = []  # bksb has no report for it: nothing to ask for again
        except BksbPermanentError as exc:
            logger.warning("skills of session %s not read: %s", session_id, exc)
            read.problem = UNREADABLE
    return read


def sessions_store(
    *, learner_id: int, bksb_user_id: int, read: SessionsRead, mapper: Mapper, now: dt.datetime
) -> SessionsStored:
    """Store what sessions_read read, sessions first; call inside the download's transaction."""
    stored = SessionsStored()
    for code, listed in read.listed.items():
        counts = sessions_upsert(
            learner_id=learner_id,
            bksb_user_id=bksb_user_id,
            course_subject=code,
            sessions=listed,
            mapper=mapper,
            now=now,
        )
        stored.sessions += counts.created + counts.finished + counts.updated
    stored.skills = skills_upsert(bksb_user_id=bksb_user_id, reports=read.reports, mapper=mapper, now=now)
    return stored
