"""The audit trail: who changed what and when, read from django-simple-history and PermissionChange.

Apps register what they audit (audit_history_register, audit_entries_register) from their ready(), so this
module knows no app above it: the learners app registers the learner's bksb fields, the bksb integration
its settings, links, mappings, user creation, tags and evidence packs.

Each source reads its latest rows (a bounded number, see `limit`), works out the
field differences against each row's previous version in Python (one extra query
per source), and yields plain `AuditEntry`s. Fields whose names suggest a secret
are never shown, even if a model forgot to exclude them from its history. Key
ids (the bksb API url and Access Key ID) are shown only to those who manage the
bksb settings, as on the summary page; others see that they changed, not to what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.utils import get_history_manager_for_model

from permissions.models import PermissionChange
from permissions.services import RIGHT_LABELS

HIDDEN_WORDS = ("secret", "password", "encrypted", "token")
KEY_ID_HIDDEN = "(shown to those who manage the bksb settings)"
LIMIT = 300
LEARNER_SCAN = 3000
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# JSON list fields that hold choice values (field name -> {value: label}): shown by their labels.
LIST_LABELS: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class FieldChange:
    """One field's change; `old` is None when there is no earlier version to compare with."""

    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class AuditEntry:
    when: dt.datetime
    who: str
    source: str
    what: str
    action: str
    changes: tuple[FieldChange, ...]
    note: str = ""


def is_hidden(name: str) -> bool:
    return any(word in name.lower() for word in HIDDEN_WORDS)


@dataclass(frozen=True)
class HistorySource:
    """One model's simple-history table; `fields` limits which fields count (None: all)."""

    key: str
    title: str
    model: type[models.Model]
    describe: Callable[[Any], str]
    fields: tuple[str, ...] | None = None
    related: tuple[str, ...] = ()
    limit: int = LIMIT
    # Fields whose values only some may read (audit_entries' show_key_ids).
    key_ids: tuple[str, ...] = ()

    def entries(self, *, show_key_ids: bool = False) -> list[AuditEntry]:
        history = get_history_manager_for_model(self.model).model
        recent = list(
            history.objects.select_related("history_user", *self.related).order_by("-history_date", "-history_id")[
                : self.limit
            ]
        )
        previous = self._previous_versions(history, recent)
        found = []
        for record in recent:
            changes = self._changes(previous.get(record.history_id), record, show_key_ids=show_key_ids)
            if self.fields is not None and not changes and record.history_type != "-":
                continue  # a learner change that did not touch the bksb fields
            found.append(self._entry(record, changes))
        return found

    def _previous_versions(self, history: type[models.Model], recent: list[Any]) -> dict[int, Any]:
        ids = sorted({record.id for record in recent})
        names = ["history_id", "id", *(f.attname for f in self._tracked())]
        previous: dict[int, Any] = {}
        last_of: dict[int, Any] = {}
        for row in self._versions_of(history, ids, names):
            if row.id in last_of:
                previous[row.history_id] = last_of[row.id]
            last_of[row.id] = row
        return previous

    @staticmethod
    def _versions_of(history: type[models.Model], ids: list[int], names: list[str]) -> list[Any]:
        """Every version of these objects, oldest first per object (in batches of ids)."""
        rows: list[Any] = []
        for start in range(0, len(ids), 500):
            # The historical model is built at run time: its manager is the default one.
            batch = history._default_manager.filter(id__in=ids[start : start + 500]).only(*names)
            rows += batch.order_by("id", "history_date", "history_id")
        return rows

    def _tracked(self) -> list[models.Field[Any, Any]]:
        on_history = {f.name for f in get_history_manager_for_model(self.model).model._meta.concrete_fields}
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name in on_history
            and not f.primary_key
            and not is_hidden(f.name)
            and (self.fields is None or f.name in self.fields)
        ]

    def _changes(self, before: Any, after: Any, *, show_key_ids: bool) -> tuple[FieldChange, ...]:
        if after.history_type == "-":
            return ()
        changes = []
        for field in self._tracked():
            new = getattr(after, field.attname)
            old = getattr(before, field.attname) if before is not None else None
            if before is None and new in (None, "", False, [], {}):
                continue
            if before is not None and old == new:
                continue
            label = str(capfirst(field.verbose_name))
            if field.name in self.key_ids and not show_key_ids:
                changes.append(FieldChange(label, None if before is None else KEY_ID_HIDDEN, KEY_ID_HIDDEN))
            elif before is None:
                changes.append(FieldChange(label, None, _shown(field, new)))
            else:
                changes.append(FieldChange(label, _shown(field, old), _shown(field, new)))
        return tuple(changes)

    def _entry(self, record: Any, changes: tuple[FieldChange, ...]) -> AuditEntry:
        user = record.history_user
        return AuditEntry(
            when=record.history_date,
            who=user.get_username() if user else "system (command line or background task)",
            source=self.title,
            what=self.describe(record),
            action=ACTIONS.get(record.history_type, record.history_type),
            changes=changes,
            note=record.history_change_reason or "",
        )


def _shown(field: models.Field[Any, Any], value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, list):
        labels = LIST_LABELS.get(field.name, {})
        return ", ".join(labels.get(item, str(item)) for item in value) or "—"
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def learner_of(record: Any) -> str:
    """How an audited row that belongs to a learner names it."""
    try:
        return f"Learner {record.learner.learner_ref}"
    except ObjectDoesNotExist:
        return f"Learner #{record.learner_id} (deleted)"


@dataclass(frozen=True)
class EntrySource:
    """A source of entries that is not a simple-history table (the permissions changes, evidence packs)."""

    key: str
    title: str
    entries: Callable[[int], list[AuditEntry]]


HISTORY_SOURCES: list[HistorySource] = []
ENTRY_SOURCES: list[EntrySource] = []


def audit_history_register(source: HistorySource, *, list_labels: dict[str, dict[str, str]] | None = None) -> None:
    """An app's model whose simple-history table the audit trail reads (from the app's ready())."""
    if all(known.key != source.key for known in HISTORY_SOURCES):
        HISTORY_SOURCES.append(source)
    LIST_LABELS.update(list_labels or {})


def audit_entries_register(source: EntrySource) -> None:
    """An app's own kind of entry (from the app's ready())."""
    if all(known.key != source.key for known in ENTRY_SOURCES):
        ENTRY_SOURCES.append(source)


def audit_source_choices() -> list[tuple[str, str]]:
    """The Audit trail's Source filter: every registered source, history tables first."""
    return [(s.key, s.title) for s in HISTORY_SOURCES] + [(s.key, s.title) for s in ENTRY_SOURCES]


def permission_entries(limit: int = LIMIT) -> list[AuditEntry]:
    rows = PermissionChange.objects.select_related("changed_by")[:limit]
    return [
        AuditEntry(
            when=row.changed_at,
            who=row.changed_by.get_username() if row.changed_by else "—",
            source="Permissions",
            what=row.target_label,
            action="Rights changed",
            changes=tuple(
                [FieldChange(RIGHT_LABELS.get(c, c), "No", "Yes") for c in row.added]
                + [FieldChange(RIGHT_LABELS.get(c, c), "Yes", "No") for c in row.removed]
            ),
        )
        for row in rows
    ]


def audit_entries(*, source: str = "", show_key_ids: bool = False) -> list[AuditEntry]:
    """The latest changes, newest first, from one source or (source="") all of them; key ids' values only with
    show_key_ids (for those who manage the bksb settings)."""
    entries: list[AuditEntry] = []
    for history_source in HISTORY_SOURCES:
        if source in ("", history_source.key):
            entries += history_source.entries(show_key_ids=show_key_ids)
    for entry_source in ENTRY_SOURCES:
        if source in ("", entry_source.key):
            entries += entry_source.entries(LIMIT)
    return sorted(entries, key=lambda e: e.when, reverse=True)


audit_entries_register(EntrySource("permissions", "Permissions", permission_entries))
