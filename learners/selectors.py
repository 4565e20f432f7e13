"""Reads of learner records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from learners.models import Kind, Learner, LearningStatus, SystemStatus


@dataclass(frozen=True)
class LearnerFilters:
    query: str = ""
    system_status: str = ""
    learning_status: str = ""
    kind: str = ""


def learner_search(*, filters: LearnerFilters) -> QuerySet[Learner]:
    """Learners matching every word of the query (in name, reference, email or
    web username) and the chosen statuses, ordered by name."""
    qs = Learner.objects.select_related("web_user__user")
    for word in filters.query.lower().split()[:6]:
        qs = qs.filter(search_text__contains=word)
    if filters.system_status in SystemStatus.values:
        qs = qs.filter(system_status=filters.system_status)
    if filters.learning_status in LearningStatus.values:
        qs = qs.filter(learning_status=filters.learning_status)
    if filters.kind in Kind.values:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("last_name", "first_name", "learner_ref")
