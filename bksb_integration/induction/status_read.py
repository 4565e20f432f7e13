"""Reading the stored assessment status: a page's statuses, the list's stage filter, a cohort's steps.

Everything here reads `bksb_assessment_status` (kept by induction/status_store.py) and
the record's BKSB User tick, never the facts' tables: a stage filter over 100,000
records is one join, and a page of statuses one query. A record with no row has no
bksb user in either subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q, QuerySet

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


def steps_in_name_order(queryset: QuerySet[Learner]) -> Iterator[tuple[int, tuple[Step, Step]]]:
    """Each of these records' id and (English, maths) steps, by name, in one query (streamed)."""
    rows = queryset.order_by("last_name", "first_name", "learner_ref").values_list(
        "pk", "bksb_user", *(f"{ROW}__{subject}_step" for subject in SUBJECTS)
    )
    for learner_id, bksb_user, english, maths in rows.iterator(chunk_size=5000):
        yield (
            learner_id,
            (
                step_seen(Step(english or Step.NO_USER), bksb_user=bksb_user),
                step_seen(Step(maths or Step.NO_USER), bksb_user=bksb_user),
            ),
        )
