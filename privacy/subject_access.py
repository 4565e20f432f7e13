"""Everything held about one learner, table by table: what a subject access export holds.

The tables are found, not listed: every table with a key to Learner (history tables included, found through
the models' meta, as anonymisation finds them), then what hangs off those rows (a session's skills, the web
user's account and sign-ins, bksb's cached answers about the record's usernames), then the record's own
history, Django's admin log entries about it and this app's audit entries about it. Fields whose names
suggest a secret are left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from simple_history.utils import get_history_manager_for_model

from bksb_integration.models import AssessmentSession, BksbLink, SkillResult, UserCreationRequest, UsernameProbe
from learners.models import Learner, WebUser
from permissions.audit import is_hidden
from privacy.anonymise import admin_log_of, learner_key_fields
from privacy.models import PrivacyEvent
from signin.models import SignInEvent

# A web user's account: what it says of the person and its use, never its password.
ACCOUNT_FIELDS = ("id", "username", "first_name", "last_name", "email", "is_active", "date_joined", "last_login")


@dataclass(frozen=True)
class HeldTable:
    """One table's rows about the learner; each row maps a field's column name to its value."""

    label: str
    title: str
    fields: list[tuple[str, str]]  # (column name, label)
    rows: list[dict[str, Any]]


def subject_access_tables(*, learner: Learner) -> list[HeldTable]:
    """Every row held about the learner, grouped by table, the record itself first."""
    pk = learner.pk
    querysets: dict[type[models.Model], Q] = defaultdict(Q)
    for field in learner_key_fields():
        querysets[field.model] |= Q(**{field.name: pk})
    tables = [_table(Learner, Learner.objects.filter(pk=pk))]
    tables.append(_table(_history(Learner), _history(Learner)._default_manager.filter(id=pk)))
    for model, condition in sorted(querysets.items(), key=lambda item: item[0]._meta.label):
        tables.append(_table(model, model._default_manager.filter(condition)))
    sessions = AssessmentSession.objects.filter(learner_id=pk).values("pk")
    tables.append(_table(SkillResult, SkillResult.objects.filter(session__in=sessions)))
    accounts = User.objects.filter(pk__in=WebUser.objects.filter(learner_id=pk).values("user_id"))
    tables.append(_table(User, accounts, only=ACCOUNT_FIELDS))
    usernames = list(accounts.values_list("username", flat=True))
    events = SignInEvent.objects.filter(Q(user__in=accounts) | Q(username__in=usernames)) if usernames else None
    tables.append(_table(SignInEvent, events if events is not None else SignInEvent.objects.none()))
    tables.append(_table(UsernameProbe, UsernameProbe.objects.filter(username__in=_usernames(learner))))
    tables.append(_table(LogEntry, admin_log_of([pk])))
    tables.append(_table(PrivacyEvent, PrivacyEvent.objects.filter(record_id=pk)))
    return [table for table in tables if table.rows]


def _history(model: type[models.Model]) -> type[models.Model]:
    history: type[models.Model] = get_history_manager_for_model(model).model
    return history


def _usernames(learner: Learner) -> set[str]:
    names = {learner.bksb_username}
    names |= set(BksbLink.objects.filter(learner=learner).values_list("resolved_username", flat=True))
    names |= set(UserCreationRequest.objects.filter(learner=learner).values_list("username", flat=True))
    names.discard("")
    return names


def _table(model: type[models.Model], rows: models.QuerySet[Any], *, only: tuple[str, ...] | None = None) -> HeldTable:
    fields = [
        field
        for field in model._meta.concrete_fields
        if not is_hidden(field.name) and (only is None or field.name in only)
    ]
    names = [field.attname for field in fields]
    meta = model._meta
    return HeldTable(
        label=meta.label,
        title=str(meta.verbose_name_plural).capitalize(),
        fields=[(field.attname, str(field.verbose_name).capitalize()) for field in fields],
        rows=list(rows.order_by(meta.pk.attname).values(*names)),
    )
