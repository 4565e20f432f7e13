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

This module holds the rule (`stage_of`, the marks of a subject's row) and works the
facts out from the tables they rest on (`assessment_facts_computed`, EXISTS per record,
one query for any number of records). Pages never ask it: they read the stored summary
(`bksb_assessment_status`), which induction/status_store.py writes from it in the
transaction of each fact, and induction/status_read.py reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from bksb_integration.models import (
    AssessmentSession,
    BksbLink,
    InitialAssessmentResult,
    Invite,
    Stage,
    Step,
    Subject,
    UserCreationRequest,
)
from learners.models import Learner

SUBJECTS = (Subject.ENGLISH, Subject.MATHS)
INITIAL = AssessmentSession.AssessmentType.INITIAL


# The learner list's filter: each stage, and two groups of them.
NOT_STARTED = "not_started"
AWAITING_RESULTS = "awaiting_results"
FILTER_CHOICES: list[tuple[str, str]] = [
    (NOT_STARTED, "Not started (has a bksb user, invited or not)"),
    *Stage.choices,
    (AWAITING_RESULTS, "Started, results not all in"),
]
NOT_STARTED_STAGES = (Stage.CREATED, Stage.INVITED)
AWAITING_STAGES = (Stage.IN_PROGRESS, Stage.FINISHED)


# ---- the facts, as expressions on Learner (EXISTS per record) -------------------------------


def _per_record(rows: QuerySet[Any]) -> Q:
    return Q(Exists(rows.filter(learner=OuterRef("pk"))))


def _waiting_sessions(subject: str) -> QuerySet[AssessmentSession]:
    """Initial sessions in the subject whose result is not stored."""
    result = InitialAssessmentResult.objects.filter(
        bksb_user_id=OuterRef("bksb_user_id"), session_id=OuterRef("session_id")
    )
    return AssessmentSession.objects.filter(subject=subject, assessment_type=INITIAL).exclude(Exists(result))


@dataclass(frozen=True)
class _Facts:
    """The facts of each record; `as_bksb_user` asks as if BKSB User were ticked (what is stored)."""

    as_bksb_user: bool = False

    def unfinished(self, subject: str) -> Q:
        return _per_record(_waiting_sessions(subject).filter(completed_at__isnull=True))

    def finished(self, subject: str) -> Q:
        return _per_record(_waiting_sessions(subject).filter(completed_at__isnull=False))

    def result(self, subject: str) -> Q:
        return _per_record(InitialAssessmentResult.objects.filter(subject=subject))

    def has_user(self) -> Q:
        linked = _per_record(BksbLink.objects.filter(bksb_user_id__isnull=False))
        created = _per_record(UserCreationRequest.objects.filter(status=UserCreationRequest.Status.CREATED))
        return (linked | created) if self.as_bksb_user else Q(bksb_user=True) & (linked | created)

    def invited(self) -> Q:
        return _per_record(Invite.objects.all())

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


def stage_of(steps: Sequence[Step]) -> Stage:
    """The stage of a record whose subjects are at these steps: the one rule, in Python."""
    if all(step < Step.STARTED for step in steps):
        return {Step.NO_USER: Stage.NO_USER, Step.CREATED: Stage.CREATED}.get(steps[0], Stage.INVITED)
    if all(step == Step.RESULTS_IN for step in steps):
        return Stage.RESULTS_IN
    if all(step >= Step.FINISHED for step in steps):
        return Stage.FINISHED
    return Stage.IN_PROGRESS


def stages_chosen(value: str) -> set[Stage]:
    """The stages one of FILTER_CHOICES' values stands for."""
    groups = {NOT_STARTED: set(NOT_STARTED_STAGES), AWAITING_RESULTS: set(AWAITING_STAGES)}
    return groups.get(value) or {Stage(value)}


def step_seen(step: Step, *, bksb_user: bool) -> Step:
    """A stored step (worked out as if BKSB User were ticked) as the record shows it: unticked, no account counts."""
    return step if bksb_user or step >= Step.STARTED else Step.NO_USER


# ---- a record's status, with the date of each step ------------------------------------------


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
    def step_label(self) -> str:
        return self.step.label

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


def step_dates(facts: Mapping[str, Any], subject: str) -> dict[Step, dt.datetime | None]:
    """The date of each step of one subject, from facts named as the stored summary's fields."""
    return {
        Step.CREATED: facts["account_created_at"],
        Step.INVITED: facts["invited_at"],
        Step.STARTED: facts[f"{subject}_started_at"],
        Step.FINISHED: facts[f"{subject}_finished_at"],
        Step.RESULTS_IN: facts[f"{subject}_results_in_at"],
    }


def status_build(learner_id: int, facts: Mapping[str, Any], *, bksb_user: bool) -> AssessmentStatus:
    """A record's status from its facts (the stored summary's fields) and its BKSB User tick."""
    subjects = []
    for subject in SUBJECTS:
        step = step_seen(Step(facts[f"{subject}_step"]), bksb_user=bksb_user)
        subjects.append(SubjectStatus(subject, step, _marks(step, step_dates(facts, subject))))
    return AssessmentStatus(learner_id, stage_of([status.step for status in subjects]), subjects)


def _marks(step: Step, dates: Mapping[Step, dt.datetime | None]) -> list[StepMark]:
    # The row starts at Account created: "No bksb user" is said in words instead. A record can
    # start without an invite sent from here: Invited is then passed over, not reached.
    passed_over = {Step.INVITED} if dates[Step.INVITED] is None else set()
    return [
        StepMark(
            each,
            reached=each <= step and each not in passed_over,
            current=each == step,
            at=dates[each] if each <= step else None,
            passed_over=each < step and each in passed_over,
        )
        for each in Step
        if each != Step.NO_USER
    ]


# ---- working the facts out from the tables (what the stored summary is written from) ----------


def _latest(queryset: QuerySet[Any], field: str) -> Subquery:
    return Subquery(queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values(field)[:1])


def _annotations(facts: _Facts) -> dict[str, object]:
    created_here = UserCreationRequest.objects.filter(learner=OuterRef("pk"), status=UserCreationRequest.Status.CREATED)
    annotations: dict[str, object] = {
        "as_created_here_at": _latest(created_here, "updated_at"),
        "as_linked_at": _latest(BksbLink.objects.filter(learner=OuterRef("pk")), "resolved_at"),
        "invited_at": _latest(Invite.objects.filter(learner=OuterRef("pk")), "sent_at"),
    }
    for subject in SUBJECTS:
        sessions = AssessmentSession.objects.filter(learner=OuterRef("pk"), subject=subject, assessment_type=INITIAL)
        results = InitialAssessmentResult.objects.filter(learner=OuterRef("pk"), subject=subject)
        annotations |= {
            f"{subject}_step": facts.step(subject),
            f"{subject}_started_at": _latest(sessions, "started_at"),
            f"as_{subject}_completed_at": _latest(sessions, "completed_at"),
            f"as_{subject}_result_date": _latest(results, "result_date"),
            f"{subject}_results_in_at": _latest(results, "first_seen_at"),
        }
    return annotations


def assessment_facts_computed(*, learner_ids: Iterable[int], as_bksb_user: bool = True) -> dict[int, dict[str, Any]]:
    """Each record's facts from the tables, named as the stored summary's fields, in one query.

    With `as_bksb_user` (what is stored) the steps are worked out as if BKSB User were
    ticked; `bksb_user` carries the tick itself.
    """
    ids = sorted(set(learner_ids))
    if connection.vendor == "postgresql":
        sql, compiled, position = _compiled(as_bksb_user)
        params = [*compiled[:position], ids, *compiled[position + 1 :]]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = ["pk" if column[0] == "id" else column[0] for column in cursor.description]
            rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    else:
        # The embedded default (SQLite) has no arrays: the query is built for these ids each time.
        annotations = _annotations(_Facts(as_bksb_user=as_bksb_user))
        chosen = Learner.objects.filter(pk__in=ids).order_by().annotate(**annotations)
        rows = list(chosen.values("pk", "bksb_user", *annotations))
    found = {}
    for row in rows:
        row["account_created_at"] = row.pop("as_created_here_at") or row.pop("as_linked_at")
        row.pop("as_linked_at", None)
        for subject in SUBJECTS:
            completed, result_date = row.pop(f"as_{subject}_completed_at"), row.pop(f"as_{subject}_result_date")
            row[f"{subject}_finished_at"] = completed or result_date
        found[row.pop("pk")] = row
    return found


_COMPILED: dict[bool, tuple[str, list[Any], int]] = {}


def _compiled(as_bksb_user: bool) -> tuple[str, list[Any], int]:
    """The facts query's SQL and parameters, built once per process (building it costs more CPU than
    running it for one record), with the place of the records' ids (a PostgreSQL array) among the parameters."""
    if as_bksb_user not in _COMPILED:
        ids: list[int] = []
        annotations = _annotations(_Facts(as_bksb_user=as_bksb_user))
        chosen = Learner.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
        query = chosen.order_by().annotate(**annotations).values("pk", "bksb_user", *annotations).query
        sql, params = query.sql_with_params()
        position = next(index for index, param in enumerate(params) if param is ids)
        _COMPILED[as_bksb_user] = (sql, list(params), position)
    return _COMPILED[as_bksb_user]


def assessment_statuses_computed(*, learner_ids: Iterable[int]) -> dict[int, AssessmentStatus]:
    """Each record's status worked out from the tables (what the stored summary must always equal)."""
    facts = assessment_facts_computed(learner_ids=learner_ids, as_bksb_user=False)
    return {pk: status_build(pk, row, bksb_user=True) for pk, row in facts.items()}
