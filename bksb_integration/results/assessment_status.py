"""Where each record is in its initial assessments, per subject, from what is stored (never a request).

For English and maths a record is at one step of

    no bksb user → account created → invited → started → finished → results in

- **a bksb user**: BKSB User ticked, and linked to a resolved bksb user id or created from here;
  *account created* is dated when it was created here (or first linked);
- **invited**: an invite was sent (the latest is dated);
- **started**: an initial-assessment session in the subject is stored, unfinished, with no result for it;
- **finished**: such a session is finished, and its result is not imported yet;
- **results in**: an initial-assessment result in the subject is stored and no session waits for one.

A session "waits" while no initial result with its SessionId is stored, so a result
read before the session list was (Get Results reads results, sessions only when
asked) already counts. A record's **stage** joins its two subjects: not started
(neither begun), results in (both in), finished, no result yet (both finished, a
result missing), in progress otherwise.

Every question here is a queryset expression (a set the database works out once, or
EXISTS per record), so the learner list filters by stage in SQL, and
`assessment_statuses` reads any number of records in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    IntegerChoices,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
)

from bksb_integration.models import (
    AssessmentSession,
    BksbLink,
    InitialAssessmentResult,
    Invite,
    Subject,
    UserCreationRequest,
)
from learners.models import Learner

SUBJECTS = (Subject.ENGLISH, Subject.MATHS)
INITIAL = AssessmentSession.AssessmentType.INITIAL


class Step(IntegerChoices):
    """One subject's step, in order."""

    NO_USER = 0, "No bksb user"
    CREATED = 1, "Account created"
    INVITED = 2, "Invited"
    STARTED = 3, "Started"
    FINISHED = 4, "Finished"
    RESULTS_IN = 5, "Results in"


class Stage(TextChoices):
    """A record's two subjects together: the Induction board's columns, in order."""

    NO_USER = "no_bksb_user", "No bksb user"
    CREATED = "not_invited", "Account created, not invited"
    INVITED = "invited", "Invited, not started"
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished_no_result", "Finished, no result yet"
    RESULTS_IN = "results_in", "Results in"


# The learner list's filter: each stage, and two groups of them.
NOT_STARTED = "not_started"
AWAITING_RESULTS = "awaiting_results"
FILTER_CHOICES: list[tuple[str, str]] = [
    (NOT_STARTED, "Not started (account created or invited)"),
    *Stage.choices,
    (AWAITING_RESULTS, "Started, results not all in"),
]
NOT_STARTED_STAGES = (Stage.CREATED, Stage.INVITED)
AWAITING_STAGES = (Stage.IN_PROGRESS, Stage.FINISHED)


# ---- the questions, as expressions on Learner ---------------------------------------------
#
# Each fact is a set of rows naming learners (their learner_id), asked in one of two ways
# with the same rows, so both always agree: as a set (IN (SELECT learner_id ...), which
# the database works out once and hashes: for filtering a whole list) or per record
# (EXISTS ... WHERE learner_id = the record: for reading a page of records).

Ask = Callable[[QuerySet[Any]], Q]


def as_set(rows: QuerySet[Any]) -> Q:
    return Q(pk__in=rows.values("learner_id"))


def per_record(rows: QuerySet[Any]) -> Q:
    return Q(Exists(rows.filter(learner=OuterRef("pk"))))


def _waiting_sessions(subject: str) -> QuerySet[AssessmentSession]:
    """Initial sessions in the subject whose result is not stored."""
    result = InitialAssessmentResult.objects.filter(
        bksb_user_id=OuterRef("bksb_user_id"), session_id=OuterRef("session_id")
    )
    return AssessmentSession.objects.filter(subject=subject, assessment_type=INITIAL).exclude(Exists(result))


@dataclass(frozen=True)
class _Facts:
    ask: Ask

    def unfinished(self, subject: str) -> Q:
        return self.ask(_waiting_sessions(subject).filter(completed_at__isnull=True))

    def finished(self, subject: str) -> Q:
        return self.ask(_waiting_sessions(subject).filter(completed_at__isnull=False))

    def result(self, subject: str) -> Q:
        return self.ask(InitialAssessmentResult.objects.filter(subject=subject))

    def has_user(self) -> Q:
        linked = self.ask(BksbLink.objects.filter(bksb_user_id__isnull=False))
        created = self.ask(UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED))
        return Q(bksb_user=True) & (linked | created)

    def invited(self) -> Q:
        return self.ask(Invite.objects.all())

    def not_begun(self, subject: str) -> Q:
        return ~self.unfinished(subject) & ~self.finished(subject) & ~self.result(subject)

    def done(self, subject: str) -> Q:
        """Finished, with or without its result."""
        return ~self.unfinished(subject) & (self.finished(subject) | self.result(subject))

    def results_in(self, subject: str) -> Q:
        return ~self.unfinished(subject) & ~self.finished(subject) & self.result(subject)


def stage_q(stage: str, *, ask: Ask = as_set) -> Q:
    """The records at this stage (or group of stages), as a filter."""
    facts = _Facts(ask)
    not_begun = facts.not_begun(Subject.ENGLISH) & facts.not_begun(Subject.MATHS)
    both_in = facts.results_in(Subject.ENGLISH) & facts.results_in(Subject.MATHS)
    both_done = facts.done(Subject.ENGLISH) & facts.done(Subject.MATHS)
    conditions = {
        Stage.NO_USER: lambda: not_begun & ~facts.has_user(),
        Stage.CREATED: lambda: not_begun & facts.has_user() & ~facts.invited(),
        Stage.INVITED: lambda: not_begun & facts.has_user() & facts.invited(),
        Stage.IN_PROGRESS: lambda: ~not_begun & ~both_done,
        Stage.FINISHED: lambda: both_done & ~both_in,
        Stage.RESULTS_IN: lambda: both_in,
        NOT_STARTED: lambda: not_begun & facts.has_user(),
        AWAITING_RESULTS: lambda: ~not_begun & ~both_in,
    }
    return conditions[stage]()


def step_q(subject: str, step: Step, *, ask: Ask = as_set) -> Q:
    """The records at this step in this subject, as a filter (what `assessment_statuses` computes)."""
    facts = _Facts(ask)
    not_begun = facts.not_begun(subject)
    conditions = {
        Step.NO_USER: lambda: not_begun & ~facts.has_user(),
        Step.CREATED: lambda: not_begun & facts.has_user() & ~facts.invited(),
        Step.INVITED: lambda: not_begun & facts.has_user() & facts.invited(),
        Step.STARTED: lambda: facts.unfinished(subject),
        Step.FINISHED: lambda: ~facts.unfinished(subject) & facts.finished(subject),
        Step.RESULTS_IN: lambda: facts.results_in(subject),
    }
    return conditions[step]()


def stage_filter(queryset: QuerySet[Learner], stage: str) -> QuerySet[Learner]:
    """The learner list's filter: `stage` is one of FILTER_CHOICES' values."""
    return queryset.filter(stage_q(stage))


# ---- reading the statuses of many records at once ----------------------------------------


@dataclass(frozen=True)
class StepMark:
    """One step of a subject's row: reached or not, and when (None when not known)."""

    step: Step
    reached: bool
    current: bool
    at: dt.datetime | None

    @property
    def label(self) -> str:
        return self.step.label


@dataclass(frozen=True)
class SubjectStatus:
    subject: str
    step: Step
    marks: list[StepMark]

    @property
    def label(self) -> str:
        return Subject(self.subject).label

    @property
    def has_user(self) -> bool:
        return self.step != Step.NO_USER


@dataclass(frozen=True)
class AssessmentStatus:
    learner_id: int
    stage: Stage
    subjects: list[SubjectStatus]

    @property
    def text(self) -> str:
        """“English: Started · Maths: Invited”, for a list cell and the CSV."""
        return " · ".join(f"{row.label}: {row.step.label}" for row in self.subjects)


def _latest(queryset: QuerySet, field: str) -> Subquery:
    return Subquery(queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values(field)[:1])


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _annotations() -> dict[str, object]:
    created_here = UserCreationRequest.objects.filter(learner=OuterRef("pk"), status=UserCreationRequest.Status.CREATED)
    facts = _Facts(per_record)
    annotations: dict[str, object] = {
        "as_has_user": _flag(facts.has_user()),
        "as_created_here_at": _latest(created_here, "updated_at"),
        "as_linked_at": _latest(BksbLink.objects.filter(learner=OuterRef("pk")), "resolved_at"),
        "as_invited_at": _latest(Invite.objects.filter(learner=OuterRef("pk")), "sent_at"),
    }
    for subject in SUBJECTS:
        sessions = AssessmentSession.objects.filter(learner=OuterRef("pk"), subject=subject, assessment_type=INITIAL)
        results = InitialAssessmentResult.objects.filter(learner=OuterRef("pk"), subject=subject)
        annotations |= {
            f"as_{subject}_unfinished": _flag(facts.unfinished(subject)),
            f"as_{subject}_finished": _flag(facts.finished(subject)),
            f"as_{subject}_result": _flag(facts.result(subject)),
            f"as_{subject}_started_at": _latest(sessions, "started_at"),
            f"as_{subject}_completed_at": _latest(sessions, "completed_at"),
            f"as_{subject}_result_date": _latest(results, "result_date"),
            f"as_{subject}_result_in_at": _latest(results, "first_seen_at"),
        }
    return annotations


def assessment_statuses(*, learner_ids: Iterable[int]) -> dict[int, AssessmentStatus]:
    """The status of each of these records (learner id -> status), in one query."""
    annotations = _annotations()
    rows = Learner.objects.filter(pk__in=list(learner_ids)).order_by().annotate(**annotations)
    names = ["pk", *annotations]
    return {row["pk"]: _status(row) for row in rows.values(*names)}


def assessment_status(*, learner: Learner) -> AssessmentStatus:
    return assessment_statuses(learner_ids=[learner.pk])[learner.pk]


def _status(row: dict[str, object]) -> AssessmentStatus:
    created_at = row["as_created_here_at"] or row["as_linked_at"]
    subjects = [_subject_status(row, subject, created_at) for subject in SUBJECTS]  # type: ignore[arg-type]
    return AssessmentStatus(row["pk"], _stage([status.step for status in subjects]), subjects)  # type: ignore[arg-type]


def _subject_step(row: dict[str, object], subject: str) -> Step:
    if row[f"as_{subject}_unfinished"]:
        return Step.STARTED
    if row[f"as_{subject}_finished"]:
        return Step.FINISHED
    if row[f"as_{subject}_result"]:
        return Step.RESULTS_IN
    if not row["as_has_user"]:
        return Step.NO_USER
    return Step.INVITED if row["as_invited_at"] else Step.CREATED


def _subject_status(row: dict[str, object], subject: str, created_at: dt.datetime | None) -> SubjectStatus:
    step = _subject_step(row, subject)
    dates = {
        Step.CREATED: created_at,
        Step.INVITED: row["as_invited_at"],
        Step.STARTED: row[f"as_{subject}_started_at"],
        Step.FINISHED: row[f"as_{subject}_completed_at"] or row[f"as_{subject}_result_date"],
        Step.RESULTS_IN: row[f"as_{subject}_result_in_at"],
    }
    # The row starts at Account created: "No bksb user" is said in words instead.
    marks = [
        StepMark(each, reached=each <= step, current=each == step, at=dates[each] if each <= step else None)  # type: ignore[arg-type]
        for each in Step
        if each != Step.NO_USER
    ]
    return SubjectStatus(subject, step, marks)


def _stage(steps: Sequence[Step]) -> Stage:
    if all(step < Step.STARTED for step in steps):
        return {Step.NO_USER: Stage.NO_USER, Step.CREATED: Stage.CREATED}.get(steps[0], Stage.INVITED)
    if all(step == Step.RESULTS_IN for step in steps):
        return Stage.RESULTS_IN
    if all(step >= Step.FINISHED for step in steps):
        return Stage.FINISHED
    return Stage.IN_PROGRESS
