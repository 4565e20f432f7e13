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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import (
    Case,
    Exists,
    IntegerChoices,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression

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

    def step(self, subject: str) -> Case:
        """The subject's step, as its number: each fact asked once."""
        return Case(
            When(self.unfinished(subject), then=Value(Step.STARTED.value)),
            When(self.finished(subject), then=Value(Step.FINISHED.value)),
            When(self.result(subject), then=Value(Step.RESULTS_IN.value)),
            When(~self.has_user(), then=Value(Step.NO_USER.value)),
            When(self.invited(), then=Value(Step.INVITED.value)),
            default=Value(Step.CREATED.value),
            output_field=IntegerField(),
        )

    def steps(self) -> CombinedExpression:
        """Both subjects' steps in one number (English x 8 + maths): what a stage is decided from."""
        return self.step(Subject.ENGLISH) * Value(STEPS_BASE) + self.step(Subject.MATHS)


STEPS_BASE = 8
STEPS = "as_steps"


def stage_of(steps: Sequence[Step]) -> Stage:
    """The stage of a record whose subjects are at these steps: the one rule, in Python."""
    if all(step < Step.STARTED for step in steps):
        return {Step.NO_USER: Stage.NO_USER, Step.CREATED: Stage.CREATED}.get(steps[0], Stage.INVITED)
    if all(step == Step.RESULTS_IN for step in steps):
        return Stage.RESULTS_IN
    if all(step >= Step.FINISHED for step in steps):
        return Stage.FINISHED
    return Stage.IN_PROGRESS


def steps_of(number: int) -> tuple[Step, Step]:
    """(English, maths) from the number `_Facts.steps` gives."""
    return Step(number // STEPS_BASE), Step(number % STEPS_BASE)


def _stages(value: str) -> set[Stage]:
    groups = {NOT_STARTED: set(NOT_STARTED_STAGES), AWAITING_RESULTS: set(AWAITING_STAGES)}
    return groups.get(value) or {Stage(value)}


def stage_filter(queryset: QuerySet[Learner], stage: str) -> QuerySet[Learner]:
    """The records at this stage (or group of stages: one of FILTER_CHOICES' values).

    In SQL: each fact is a set worked out once, each record's two steps a number, and
    the numbers of this stage are listed here from `stage_of`, so the list's filter and
    every status shown apply the same rule.
    """
    wanted = _stages(stage)
    numbers = [
        english * STEPS_BASE + maths for english in Step for maths in Step if stage_of((english, maths)) in wanted
    ]
    return queryset.alias(**{STEPS: _Facts(as_set).steps()}).filter(**{f"{STEPS}__in": numbers})


def steps_in_name_order(queryset: QuerySet[Learner]) -> Iterator[tuple[int, tuple[Step, Step]]]:
    """Each of these records' id and (English, maths) steps, by name, in one query (streamed)."""
    rows = (
        queryset.order_by("last_name", "first_name", "learner_ref")
        .annotate(**{STEPS: _Facts(as_set).steps()})
        .values_list("pk", STEPS)
    )
    for learner_id, number in rows.iterator(chunk_size=5000):
        yield learner_id, steps_of(number)


# ---- reading the statuses of many records at once ----------------------------------------


@dataclass(frozen=True)
class StepMark:
    """One step of a subject's row: reached or not, and when (None when not known)."""

    step: Step
    reached: bool
    current: bool
    at: dt.datetime | None
    passed_over: bool = False

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


def _latest(queryset: QuerySet[Any], field: str) -> Subquery:
    return Subquery(queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values(field)[:1])


def _annotations() -> dict[str, object]:
    created_here = UserCreationRequest.objects.filter(learner=OuterRef("pk"), status=UserCreationRequest.Status.CREATED)
    facts = _Facts(per_record)
    annotations: dict[str, object] = {
        "as_created_here_at": _latest(created_here, "updated_at"),
        "as_linked_at": _latest(BksbLink.objects.filter(learner=OuterRef("pk")), "resolved_at"),
        "as_invited_at": _latest(Invite.objects.filter(learner=OuterRef("pk")), "sent_at"),
    }
    for subject in SUBJECTS:
        sessions = AssessmentSession.objects.filter(learner=OuterRef("pk"), subject=subject, assessment_type=INITIAL)
        results = InitialAssessmentResult.objects.filter(learner=OuterRef("pk"), subject=subject)
        annotations |= {
            f"as_{subject}_step": facts.step(subject),
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
    return AssessmentStatus(row["pk"], stage_of([status.step for status in subjects]), subjects)  # type: ignore[arg-type]


def _subject_status(row: dict[str, object], subject: str, created_at: dt.datetime | None) -> SubjectStatus:
    step = Step(cast(int, row[f"as_{subject}_step"]))
    dates = {
        Step.CREATED: created_at,
        Step.INVITED: row["as_invited_at"],
        Step.STARTED: row[f"as_{subject}_started_at"],
        Step.FINISHED: row[f"as_{subject}_completed_at"] or row[f"as_{subject}_result_date"],
        Step.RESULTS_IN: row[f"as_{subject}_result_in_at"],
    }
    # The row starts at Account created: "No bksb user" is said in words instead. A record can
    # start without an invite sent from here: Invited is then passed over, not reached.
    passed_over = {Step.INVITED} if dates[Step.INVITED] is None else set()
    marks = [
        StepMark(
            each,
            reached=each <= step and each not in passed_over,
            current=each == step,
            at=dates[each] if each <= step else None,  # type: ignore[arg-type]
            passed_over=each < step and each in passed_over,
        )
        for each in Step
        if each != Step.NO_USER
    ]
    return SubjectStatus(subject, step, marks)
