"""What sign-in records in the audit trail (permissions/audit.py), registered from the app's ready()."""

from __future__ import annotations

from permissions.audit import (
    LIMIT,
    AuditEntry,
    EntrySource,
    HistorySource,
    audit_entries_register,
    audit_history_register,
)
from signin.models import GroupClaimMapping, SecondFactorChange


def second_factor_entries(limit: int = LIMIT) -> list[AuditEntry]:
    """Second factors set up, renewed, turned off, and reset by an admin."""
    rows = SecondFactorChange.objects.select_related("changed_by")[:limit]
    return [
        AuditEntry(
            when=row.at,
            who=row.changed_by.get_username() if row.changed_by else "—",
            source="Second factors",
            what=f"Account {row.username}",
            action=row.get_action_display(),
            changes=(),
        )
        for row in rows
    ]


def audit_register() -> None:
    # Which claims of the college's sign-in grant which permission groups.
    audit_history_register(
        HistorySource("group_claims", "Group claims", GroupClaimMapping, lambda r: f"Group claim “{r.claim_value}”")
    )
    audit_entries_register(EntrySource("second_factors", "Second factors", second_factor_entries))
