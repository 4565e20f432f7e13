"""The audit trail: who changed what and when, read from django-simple-history and PermissionChange.

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

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.utils import get_history_manager_for_model

from bksb_integration.models import (
    BksbLink,
    BksbSettings,
    EvidencePack,
    LearnerTag,
    LevelMapping,
    SubjectMapping,
    TagRule,
    UserCreationRequest,
)
from learners.models import Learner, LearningStatus
from permissions.models import PermissionChange
from permissions.services import RIGHT_LABELS

HIDDEN_WORDS = ("secret", "password", "encrypted", "token")
KEY_IDS = ("api_url", "access_key_id")
KEY_ID_HIDDEN = "(shown to those who manage the bksb settings)"
LIMIT = 300
LEARNER_SCAN = 3000
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# JSON list fields that hold choice values: shown by their labels, as the settings page shows them.
LIST_LABELS: dict[str, dict[str, str]] = {
    "eligible_learning_statuses": {value: str(label) for value, label in LearningStatus.choices},
}


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

    def _tracked(self) -> list[models.Field]:
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


def _shown(field: models.Field, value: Any) -> str:
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


def _learner_of(record: Any) -> str:
    try:
        return f"Learner {record.learner.learner_ref}"
    except Learner.DoesNotExist:
        return f"Learner #{record.learner_id} (deleted)"


HISTORY_SOURCES = [
    HistorySource("settings", "bksb settings", BksbSettings, lambda r: "bksb settings", key_ids=KEY_IDS),
    HistorySource(
        "learners",
        "Learner BKSB fields",
        Learner,
        lambda r: f"Learner {r.learner_ref} ({r.first_name} {r.last_name})",
        fields=("bksb_user", "bksb_username"),
        limit=LEARNER_SCAN,
    ),
    HistorySource("links", "BKSB links", BksbLink, _learner_of, related=("learner",)),
    HistorySource("levels", "Level mappings", LevelMapping, lambda r: f"Level mapping “{r.text}”"),
    HistorySource("subjects", "Subject mappings", SubjectMapping, lambda r: f"Subject mapping {r.course_subject}"),
    HistorySource("creation", "BKSB user creation", UserCreationRequest, _learner_of, related=("learner",)),
    # Levels at a glance (issue 14): tag rules, and the tags they give records.
    HistorySource("tag_rules", "Tag rules", TagRule, lambda r: f"Tag rule “{r.name}”"),
    HistorySource("tags", "Tags", LearnerTag, _learner_of, related=("learner",)),
]

SOURCE_CHOICES = [(s.key, s.title) for s in HISTORY_SOURCES] + [
    ("permissions", "Permissions"),
    ("evidence", "Evidence packs"),
]


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


def evidence_pack_entries(limit: int = LIMIT) -> list[AuditEntry]:
    """Each evidence pack made: for whom, by whom, and the fingerprint it showed."""
    rows = EvidencePack.objects.select_related("made_by", "learner")[:limit]
    return [
        AuditEntry(
            when=row.made_at,
            who=row.made_by.get_username() if row.made_by else "Command line",
            source="Evidence packs",
            what=_learner_of(row),
            action="Evidence pack made" + (" (in a zip)" if row.in_bulk else ""),
            changes=(
                FieldChange("Results", None, str(row.result_count)),
                FieldChange("SHA-256 of the raw items", None, row.fingerprint),
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
    if source in ("", "permissions"):
        entries += permission_entries()
    if source in ("", "evidence"):
        entries += evidence_pack_entries()
    return sorted(entries, key=lambda e: e.when, reverse=True)
