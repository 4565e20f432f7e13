"""Reading the stored assessment status: a page's statuses, the list's stage filter, a cohort's steps and stages.

Everything here reads `bksb_assessment_status` (kept by induction/status_store.py) and
the record's BKSB User tick, never the facts' tables: a stage filter over 100,000
records is one join, and a page of statuses one query. A record with no row has no
bksb user in either subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from bksb_integration.induction.status import (
    SUBJECTS,
    AssessmentStatus,
    stages_chosen,
    status_build,
    step_seen,
)
from bksb_integration.models import AssessmentProgress, Stage, Step
from learners.models import Learner

ROW = "bksb_progress"
_FIELDS = [
    field.name
    for field in AssessmentProgress._meta.concrete_fields
    if field.name not in ("learner", "stage", "computed_at")
]
# The stages of a record with no session and no result: unticked, such a record has no bksb user.
NOT_BEGUN = {Stage.NO_USER, Stage.CREATED, Stage.INVITED}


def assessment_statuses(*, learner_ids: Iterable[int]) -> dict[int, AssessmentStatus]:
    """The status of each of these records (learner id -> status), in one query."""
    names = [f"{ROW}__{name}" for name in _FIELDS]
    rows = Learner.objects.filter(pk__in=list(learner_ids)).order_by().values_list("pk", "bksb_user", *names)
    statuses = {}
    for pk, bksb_user, *values in rows:
        facts: dict[str, Any] = dict(zip(_FIELDS, values, strict=True))
        for subject in SUBJECTS:
            facts[f"{subject}_step"] = facts[f"{subject}_step"] or Step.NO_USER
        statuses[pk] = status_build(pk, facts, bksb_user=bksb_user)
    return statuses


def assessment_status(*, learner: Learner) -> AssessmentStatus:
    return assessment_statuses(learner_ids=[learner.pk])[learner.pk]


def stage_filter(queryset: QuerySet[Learner], stage: str) -> QuerySet[Learner]:
    """The records at this stage (or group of stages: one of FILTER_CHOICES' values), from the stored rows."""
    wanted = stages_chosen(stage)
    field = f"{ROW}__stage__in"
    chosen = Q(bksb_user=True, **{field: wanted})
    begun = wanted - NOT_BEGUN
    if begun:
        chosen |= Q(bksb_user=False, **{field: begun})
    if Stage.NO_USER in wanted:
        chosen |= Q(**{f"{ROW}__isnull": True}) | Q(bksb_user=False, **{field: NOT_BEGUN})
    return queryset.filter(chosen)


def steps_counted(queryset: QuerySet[Learner]) -> Iterator[tuple[tuple[Step, Step], int]]:
    """How many of these records are at each pair of (English, maths) steps, as the records show them: one
    grouped query (a handful of rows, whatever the count)."""
    rows = (
        queryset.order_by()
        .values_list("bksb_user", *(f"{ROW}__{subject}_step" for subject in SUBJECTS))
        .annotate(n=Count("pk"))
    )
    for bksb_user, english, maths, n in rows:
        yield (
            (
                step_seen(Step(english or Step.NO_USER), bksb_user=bksb_user),
                step_seen(Step(maths or Step.NO_USER), bksb_user=bksb_user),
            ),
            n,
        )


def first_of_each_stage(queryset: QuerySet[Learner], shown: int) -> dict[Stage, list[int]]:
    """The ids of the first `shown` records of each stage, by name: one query, numbering each stage's records
    by name in the database (the stage as stage_filter tells it) and keeping the first."""
    stage = Case(
        When(**{f"{ROW}__isnull": True}, then=Value(Stage.NO_USER.value)),
        When(Q(bksb_user=False, **{f"{ROW}__stage__in": NOT_BEGUN}), then=Value(Stage.NO_USER.value)),
        default=F(f"{ROW}__stage"),
        output_field=CharField(),
    )
    by_name = [F("last_name").asc(), F("first_name").asc(), F("learner_ref").asc()]
    rows = (
        queryset.order_by()
        .annotate(shown_stage=stage, place=Window(RowNumber(), partition_by=[stage], order_by=by_name))
        .filter(place__lte=shown)
        .values_list("pk", "shown_stage", "place")
    )
    firsts: dict[Stage, list[int]] = {each: [] for each in Stage}
    for pk, shown_stage, _ in sorted(rows, key=lambda row: row[2]):
        firsts[Stage(shown_stage)].append(pk)
    return firsts
