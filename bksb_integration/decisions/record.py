"""The English and maths decision record: add a decision, supersede a mistaken one, read the history and the latest.

A decision is never edited or deleted (models.decisions refuses it). A mistaken
entry is corrected by a new one that names it (`supersedes`) and says why; the
superseded entry stays in the history, marked. The latest decision in a subject
is the newest by decision date (then by the order recorded) among the entries
no later entry supersedes: `latest_decisions` answers it for many records in one
query, for the funding flags, the ILR cross-check and the evidence pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from bksb_integration.models import Decision, DecisionKind, ExemptionEvidence, Subject
from bksb_integration.models.decisions import EM_SUBJECT_CHOICES
from bksbmis.dates import uk_date
from learners.models import Learner

EM_SUBJECTS = tuple(value for value, _ in EM_SUBJECT_CHOICES)
# Kinds after which no English or maths learning need be planned in that subject.
NO_LEARNING_NEEDED = (DecisionKind.OPTED_OUT, DecisionKind.EXEMPT, DecisionKind.WITHDRAWN)
NOT_ACCEPTED = "A screenshot of a results portal is not accepted."
EVIDENCE_NEEDED = (
    "Choose the evidence held: a certificate, the awarding organisation's confirmation, a Personal Learning "
    f"Record report or the school's authenticated report. {NOT_ACCEPTED}"
)


@dataclass(frozen=True)
class DecisionEntry:
    """A decision as the history shows it: whether a later entry superseded it, and by which."""

    decision: Decision
    superseded_by: Decision | None

    @property
    def current(self) -> bool:
        return self.superseded_by is None


def decision_words(decision: Decision) -> str:
    """ "Opted out on 3 Sep 2025 (entry 12)", with the evidence or the last day of learning when it has one."""
    words = f"{decision.get_kind_display()} on {uk_date(decision.decided_on)}"
    if decision.kind == DecisionKind.EXEMPT:
        words += f", evidence: {decision.get_evidence_display()}"
    if decision.kind == DecisionKind.WITHDRAWN and decision.last_learning_date is not None:
        words += f", last day of learning {uk_date(decision.last_learning_date)}"
    return f"{words} (entry {decision.pk})"


def decision_record(
    *,
    learner: Learner,
    subject: str,
    kind: str,
    decided_on: dt.date,
    discussed_by: str,
    recorded_by: User | None,
    evidence: str = "",
    last_learning_date: dt.date | None = None,
    plan_resigned_on: dt.date | None = None,
    note: str = "",
    supersedes: int | None = None,
    supersede_reason: str = "",
) -> Decision:
    """Add a decision (ValidationError naming the fields when it cannot be recorded; nothing is written then)."""
    errors = _errors(kind, subject, decided_on, discussed_by, evidence, last_learning_date, plan_resigned_on)
    if supersedes is not None and not supersede_reason.strip():
        errors["supersede_reason"] = "Say why the earlier entry was wrong."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        earlier = _supersedable(learner, subject, supersedes) if supersedes is not None else None
        try:
            with transaction.atomic():
                return Decision.objects.create(
                    learner=learner,
                    subject=subject,
                    kind=kind,
                    evidence=evidence,
                    last_learning_date=last_learning_date,
                    decided_on=decided_on,
                    discussed_by=discussed_by.strip(),
                    plan_resigned_on=plan_resigned_on,
                    note=note.strip(),
                    supersedes=earlier,
                    supersede_reason=supersede_reason.strip() if earlier else "",
                    recorded_by=recorded_by,
                    recorded_at=timezone.now(),
                )
        except IntegrityError as error:  # another person superseded the same entry a moment ago
            raise ValidationError({"supersedes": "That entry has just been superseded by someone else."}) from error


def _errors(
    kind: str,
    subject: str,
    decided_on: dt.date,
    discussed_by: str,
    evidence: str,
    last_learning_date: dt.date | None,
    plan_resigned_on: dt.date | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if subject not in EM_SUBJECTS:
        errors["subject"] = "Decisions are recorded for English or maths."
    if kind not in DecisionKind.values:
        errors["kind"] = "Choose what was decided."
    if decided_on > today:
        errors["decided_on"] = "The decision date cannot be in the future."
    if not discussed_by.strip():
        errors["discussed_by"] = "Say who discussed it with the learner."
    if kind == DecisionKind.EXEMPT and evidence not in ExemptionEvidence.values:
        errors["evidence"] = EVIDENCE_NEEDED
    if kind != DecisionKind.EXEMPT and evidence:
        errors["evidence"] = "Evidence is recorded only for an exemption."
    if kind == DecisionKind.WITHDRAWN and last_learning_date is None:
        errors["last_learning_date"] = "Give the last day of English or maths learning."
    if kind != DecisionKind.WITHDRAWN and last_learning_date is not None:
        errors["last_learning_date"] = "The last day of learning is recorded only for a withdrawal."
    if plan_resigned_on is not None and plan_resigned_on > today:
        errors["plan_resigned_on"] = "The training plan cannot have been re-signed in the future."
    return errors


def _supersedable(learner: Learner, subject: str, pk: int) -> Decision:
    """The entry to supersede, locked: the same record and subject, not superseded already."""
    earlier: Decision | None = (
        Decision.objects.select_for_update().filter(pk=pk, learner=learner, subject=subject).first()
    )
    if earlier is None:
        raise ValidationError({"supersedes": "Choose an entry of this record's history in the same subject."})
    if Decision.objects.filter(supersedes=earlier).exists():
        raise ValidationError({"supersedes": f"Entry {pk} has already been superseded."})
    return earlier


def latest_decisions(learner_ids: Iterable[int]) -> dict[tuple[int, str], Decision]:
    """Each record's latest current decision per subject, keyed (learner id, subject): one query.

    The funding flags and the ILR cross-check call this. A record with no decision in a subject has no key.
    """
    rows = (
        Decision.objects.filter(learner_id__in=list(learner_ids), superseded_by__isnull=True)
        .order_by("learner_id", "subject", "-decided_on", "-id")
        .select_related("recorded_by")
    )
    latest: dict[tuple[int, str], Decision] = {}
    for row in rows:
        latest.setdefault((row.learner_id, row.subject), row)
    return latest


def latest_decision_in_q(subject: str, kinds: Iterable[str]) -> Q:
    """The same latest decision as a condition on a learner row: its kind is one of `kinds` (for the list's filter
    and the reports' counts)."""
    latest = (
        Decision.objects.filter(learner_id=OuterRef("learner_id"), subject=subject, superseded_by__isnull=True)
        .order_by("-decided_on", "-id")
        .values("pk")[:1]
    )
    rows = Decision.objects.filter(
        learner_id=OuterRef("pk"), subject=subject, kind__in=list(kinds), pk=Subquery(latest)
    )
    return Q(Exists(rows))


def decision_history(*, learner: Learner) -> dict[str, list[DecisionEntry]]:
    """The record's decisions per subject (English, then maths), newest first, each marked if superseded: one
    query."""
    rows = list(
        Decision.objects.filter(learner=learner)
        .select_related("recorded_by", "supersedes")
        .order_by("subject", "-decided_on", "-id")
    )
    superseding = {row.supersedes_id: row for row in rows if row.supersedes_id is not None}
    history: dict[str, list[DecisionEntry]] = {subject: [] for subject in EM_SUBJECTS}
    for row in rows:
        history[row.subject].append(DecisionEntry(row, superseding.get(row.pk)))
    return history


def subject_label(subject: str) -> str:
    return str(Subject(subject).label)


def latest_in_history(history: dict[str, list[DecisionEntry]]) -> dict[str, Decision]:
    """The latest decision per subject from a record's history (as latest_decisions gives it), spending no query."""
    return {
        subject: current[0].decision
        for subject, entries in history.items()
        if (current := [entry for entry in entries if entry.current])
    }
