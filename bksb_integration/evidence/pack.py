"""What an evidence pack holds for one record, and the fingerprint of its stored raw items.

An auditor asks for the initial assessment evidence behind each learner's
English and maths decisions. The pack (rendered by results/evidence_pdf.py)
shows the record, the bksb user in effect, every stored initial and diagnostic
result with its bksb identity and dates, the per-skill breakdown where one was
stored, the levels summary, tags and funding flags with the results they rest
on, the English and maths decisions and tutors' judgements recorded beside the
results (marked as such, never part of the fingerprint), and a SHA-256 fingerprint of the raw items as bksb sent
them. When the person making it holds View prior attainment, it also shows the record's ULN, GCSE grades, prior
attainment, learner FAMs and learning aims (learners/record_attainment.py).

The fingerprint is the SHA-256 of this JSON, encoded as UTF-8: an array of
{"list", "bksb_user_id", "session_id", "assessment_id", "raw"} objects, one per
stored result, sorted by list ("diagnostic" before "initial"), bksb user id,
SessionId and AssessmentID; keys sorted, no spaces (separators "," and ":"),
non-ASCII characters as they are. `raw_items_fingerprint` computes it, so the
same value can be recomputed from the database at any time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone

from bksb_integration.accounts.usernames import username_in_effect
from bksb_integration.crosscheck.findings import Finding
from bksb_integration.crosscheck.report import findings_for
from bksb_integration.decisions.judgements import judgement_history
from bksb_integration.decisions.record import decision_history, latest_in_history
from bksb_integration.levels.funding import RaisedFlag, Thresholds, flags_of
from bksb_integration.levels.learner_results import learner_results
from bksb_integration.levels.queries import levels_for, tags_for
from bksb_integration.models import (
    AssessmentSession,
    BksbLink,
    Decision,
    EvidencePack,
    Judgement,
    LearnerLevel,
    LearnerTag,
    SkillResult,
)
from bksb_integration.models.results import AssessmentResult
from bksb_integration.results.rushed import RushedThresholds, rushed_sessions_for, rushed_words
from bksbmis.dates import uk_datetime
from learners.models import Learner
from learners.record_attainment import AttainmentShown, learner_attainment

NEVER_EDITED = (
    "Results are never editable in bksbmis: no screen, command or import changes what bksb sent. A result is "
    "written only by a download from bksb, as bksb sent it (its raw item is kept whole), and is replaced only when "
    "bksb itself sends a changed version of the same result (same bksb user, SessionId and AssessmentID); "
    "“last changed” shows when that happened. Only the level and subject read from it follow the admin's mapping "
    "tables, which are themselves in the audit trail."
)
NOT_ADVICE = (
    "The funding flags are decision support, not funding advice: they read the stored results against the "
    "thresholds set in the bksb settings, and know nothing of the learner's age, prior qualifications or funding."
)


@dataclass(frozen=True)
class SkillLine:
    session_id: int
    component: str
    measurement: str
    level: str
    measured_at: dt.datetime | None


@dataclass(frozen=True)
class EvidenceContent:
    """Everything a pack shows for one record (read in a constant number of queries)."""

    learner: Learner
    made_at: dt.datetime
    made_by: str
    bksb_user_id: int | None
    username: str
    username_source: str
    initial: list[AssessmentResult]
    diagnostic: list[AssessmentResult]
    levels: dict[str, LearnerLevel]
    tags: list[LearnerTag]
    flags: list[RaisedFlag]
    skills: list[SkillLine] = field(default_factory=list)
    # Finished sessions (SessionIds) whose skills report is stored, and those whose report is still to come.
    skills_held: list[int] = field(default_factory=list)
    skills_to_come: list[int] = field(default_factory=list)
    # Prior attainment and aims, only when the person making the pack holds View prior attainment.
    attainment: AttainmentShown | None = None
    # The record's ILR cross-check findings (crosscheck/), with the attainment they rest on: None without it.
    findings: list[Finding] | None = None
    # Finished sessions completed unusually fast (results/rushed.py), each in words, and the thresholds in words.
    rushed: list[str] = field(default_factory=list)
    rushed_thresholds: str = ""
    # What staff recorded beside the results (never part of the fingerprint): every English and maths decision,
    # superseded ones included and marked, and every professional judgement, newest first.
    decisions: list[Decision] = field(default_factory=list)
    superseded: dict[int, int] = field(default_factory=dict)  # entry -> the entry that superseded it
    judgements: list[Judgement] = field(default_factory=list)

    @property
    def latest_judgements(self) -> dict[str, Judgement]:
        """Each subject's newest judgement, for the Levels by subject table."""
        latest: dict[str, Judgement] = {}
        for judgement in self.judgements:
            latest.setdefault(judgement.subject, judgement)
        return latest

    @property
    def fingerprint(self) -> str:
        return raw_items_fingerprint(
            [("initial", row) for row in self.initial] + [("diagnostic", row) for row in self.diagnostic]
        )

    @property
    def result_count(self) -> int:
        return len(self.initial) + len(self.diagnostic)


def canonical_raw_items(results: Iterable[tuple[str, AssessmentResult]]) -> bytes:
    """The canonical JSON of stored results' raw items (see the module's docstring)."""
    items = sorted(
        (
            {
                "list": list_name,
                "bksb_user_id": row.bksb_user_id,
                "session_id": row.session_id,
                "assessment_id": row.assessment_id,
                "raw": row.raw,
            }
            for list_name, row in results
        ),
        key=lambda item: (item["list"], item["bksb_user_id"], item["session_id"], item["assessment_id"]),
    )
    return json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def raw_items_fingerprint(results: Iterable[tuple[str, AssessmentResult]]) -> str:
    return hashlib.sha256(canonical_raw_items(results)).hexdigest()


def evidence_content(
    *, learner: Learner, made_by: User | None, thresholds: Thresholds | None = None, with_attainment: bool = False
) -> EvidenceContent:
    """Read a record's evidence (pass thresholds when making many packs, to read the settings once).

    with_attainment: the maker holds View prior attainment (permissions.access), so the pack shows it (two queries)
    and the record's ILR cross-check findings (four more).
    """
    results = learner_results(learner=learner)
    levels = levels_for([learner.pk]).get(learner.pk, {})
    username, source = username_in_effect(learner)
    link = BksbLink.objects.filter(learner=learner).first()
    skills = _skills(learner)
    held, to_come = _skills_coverage(learner)
    history = decision_history(learner=learner)
    entries = [entry for subject in history.values() for entry in subject]
    rushed_thresholds = RushedThresholds.load()
    rushed = rushed_sessions_for([learner.pk], rushed_thresholds).get(learner.pk, [])
    return EvidenceContent(
        learner=learner,
        made_at=timezone.now(),
        made_by=made_by.get_username() if made_by is not None else "Command line",
        bksb_user_id=link.bksb_user_id if link else None,
        username=username,
        username_source=source,
        initial=list(results.initial),
        diagnostic=list(results.diagnostic),
        levels=levels,
        tags=tags_for([learner.pk]).get(learner.pk, []),
        flags=flags_of(learner, levels, thresholds or Thresholds.load(), em_decisions=latest_in_history(history)),
        skills=skills,
        skills_held=held,
        skills_to_come=to_come,
        decisions=[entry.decision for entry in entries],
        superseded={entry.decision.pk: entry.superseded_by.pk for entry in entries if entry.superseded_by},
        judgements=judgement_history(learner=learner),
        rushed=[_rushed_line(session) for session in rushed],
        rushed_thresholds=(
            f"{rushed_thresholds.initial_minutes} min for an initial assessment, "
            f"{rushed_thresholds.diagnostic_minutes} min for a diagnostic"
        ),
        attainment=learner_attainment(learner=learner) if with_attainment else None,
        findings=findings_for([learner], thresholds=thresholds or Thresholds.load()) if with_attainment else None,
    )


def _rushed_line(session: AssessmentSession) -> str:
    """ "SessionId 9913, Maths initial assessment, 1 Sep 2026 10:00 BST to 10:04 BST: completed unusually ..."."""
    started, finished = (uk_datetime(t) if t else "—" for t in (session.started_at, session.completed_at))
    words = rushed_words(session)
    return (
        f"SessionId {session.session_id}, {session.get_course_subject_display()} "
        f"{session.get_assessment_type_display().lower()}, {started} to {finished}: {words[0].lower()}{words[1:]}"
    )


def _skills_coverage(learner: Learner) -> tuple[list[int], list[int]]:
    """The record's finished sessions whose skills report is stored, and those still to come (one query)."""
    finished = AssessmentSession.objects.filter(learner=learner, completed_at__isnull=False).order_by("session_id")
    held: list[int] = []
    to_come: list[int] = []
    for session_id, read_at in finished.values_list("session_id", "skills_read_at"):
        (held if read_at is not None else to_come).append(session_id)
    return held, to_come


def _skills(learner: Learner) -> list[SkillLine]:
    """The per-skill rows of the record's assessment sessions, by session and component."""
    rows = SkillResult.objects.filter(session__learner=learner).select_related("session")
    return [
        SkillLine(
            session_id=row.session.session_id,
            component=row.component_name,
            measurement=row.ability_measurement,
            level=row.get_level_display() if row.level else "",
            measured_at=row.measured_at,
        )
        for row in rows.order_by("session__session_id", "component_name")
    ]


def evidence_pack_record(*, content: EvidenceContent, made_by: User | None, in_bulk: bool) -> EvidencePack:
    """The audit trail's line for a pack made (who, when, for whom, and its fingerprint)."""
    return EvidencePack.objects.create(
        learner=content.learner,
        made_by=made_by,
        made_at=content.made_at,
        fingerprint=content.fingerprint,
        result_count=content.result_count,
        in_bulk=in_bulk,
    )


def evidence_pack_latest(*, learner: Learner) -> EvidencePack | None:
    """The record's latest pack (alone or in a zip), for its fingerprint on the BKSB tab: one query."""
    return EvidencePack.objects.filter(learner=learner).select_related("made_by").order_by("-made_at", "-pk").first()
