"""Caseloads: staff restricted to their own records see no other, on any page, export, job or report.

With CASELOADS_ENABLED, a member of staff holding Own caseload only (Edit Permissions) reaches the
records of the tutor groups assigned to them (Tools > Caseloads), and those whose tutor column holds
their username or email. Everything that lists, counts or opens records for a person narrows here:
the list's search (and so every "all matching" action, the Induction board and Reports), ticked
selections, and each record's pages, which answer 404 outside the caseload.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from learners.models import CaseloadGroup, Learner
from permissions.access import AnyUser, is_caseload_restricted

CASELOAD_REFUSAL = (
    "You see your own caseload only, so work for every learner is not yours to start: "
    "tick your learners (or all matching a filter) on the learner list instead."
)


def caseload_q(user: AnyUser | None) -> Q | None:
    """The condition a restricted person's records meet, or None when this person is not restricted."""
    if user is None or not is_caseload_restricted(user):
        return None
    groups = list(CaseloadGroup.objects.filter(user_id=user.pk or 0).values_list("tutor_group", flat=True))
    names = sorted({name.lower() for name in (user.get_username(), getattr(user, "email", "")) if name})
    return Q(tutor_group__in=groups) | Q(tutor__in=names)


def within_caseload(learners: QuerySet[Learner], user: AnyUser | None) -> QuerySet[Learner]:
    """These records, narrowed to this person's caseload when they are restricted to one."""
    condition = caseload_q(user)
    return learners if condition is None else learners.filter(condition)


def caseload_learners(user: AnyUser | None) -> QuerySet[Learner] | None:
    """This person's records when they are restricted to a caseload; None when they see every record."""
    condition = caseload_q(user)
    return None if condition is None else Learner.objects.filter(condition)


def learner_or_404(user: AnyUser, pk: int, learners: QuerySet[Learner] | None = None) -> Learner:
    """The record a page is about; 404 when it does not exist or is outside this person's caseload."""
    return get_object_or_404(within_caseload(Learner.objects.all() if learners is None else learners, user), pk=pk)


def in_caseload(user: AnyUser, learner_id: int) -> bool:
    """Whether this person may reach this record (always, unless restricted to a caseload)."""
    condition = caseload_q(user)
    return condition is None or Learner.objects.filter(condition, pk=learner_id).exists()
