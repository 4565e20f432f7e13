"""What this app records in the audit trail (permissions/audit.py): its PrivacyEvent rows."""

from __future__ import annotations

from permissions.audit import LIMIT, AuditEntry, FieldChange
from privacy.models import PrivacyEvent, RecordKind

SYSTEM = "system (the nightly retention run or the command line)"


def privacy_entries(limit: int = LIMIT) -> list[AuditEntry]:
    rows = PrivacyEvent.objects.select_related("by")[:limit]
    return [privacy_entry(row) for row in rows]


def privacy_entry(row: PrivacyEvent) -> AuditEntry:
    return AuditEntry(
        when=row.at,
        who=row.by.get_username() if row.by else SYSTEM,
        source="Retention and subject access",
        what=f"Learner {row.record_label}" if row.record_label else "Records past their retention period",
        action=row.get_action_display(),
        changes=_changes(row),
        note=row.reason,
    )


def _changes(row: PrivacyEvent) -> tuple[FieldChange, ...]:
    if row.action == PrivacyEvent.Action.PERIODS_CHANGED:
        before, after = row.counts.get("before", {}), row.counts.get("after", {})
        return tuple(
            FieldChange(str(RecordKind(kind).label), _months(before.get(kind)), _months(after.get(kind)))
            for kind in after
        )
    done = row.counts.get("done", {})
    return tuple(FieldChange(name, None, str(count)) for name, count in sorted(done.items()) if count)


def _months(value: int | None) -> str:
    return "Keep" if value is None else f"{value} months"
