"""Warnings for good rows of a learner CSV import: things staff should check, not refusals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models.functions import Lower

from learners.import_rows import CheckedRow
from learners.models import Learner

LOOKUP_CHUNK = 900  # usernames per IN (...) lookup: under SQLite's classic 999-parameter limit


@dataclass(frozen=True)
class RowWarning:
    """Something staff should check in a good row; the row is imported all the same."""

    line: int
    learner_ref: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.learner_ref}): {self.message}"


def bksb_username_warnings(*, rows: list[CheckedRow]) -> list[RowWarning]:
    """A warning for each row whose BKSB Username an earlier row, or a record not in the file, also has.

    One bksb user can be linked to one record only, so linking all but one of
    them will be refused; the file cannot say which one is right. Compared
    without case, as bksb compares usernames.
    """
    elsewhere = _bksb_usernames_elsewhere(rows)
    first: dict[str, CheckedRow] = {}
    warnings = []
    for row in rows:
        username = row.learner.bksb_username
        key = username.lower()
        if not key:
            continue
        holders = list(elsewhere.get(key, []))
        if key in first:
            holders.insert(0, f"{first[key].learner.learner_ref} (line {first[key].line})")
        else:
            first[key] = row
        if holders:
            message = f"BKSB Username {username} is also on {', '.join(holders)}: only one of them can be linked."
            warnings.append(RowWarning(row.line, row.learner.learner_ref, message))
    return warnings


def _bksb_usernames_elsewhere(rows: list[CheckedRow]) -> dict[str, list[str]]:
    """Lower-cased BKSB Username -> references of the records outside these rows that have it."""
    usernames = sorted({row.learner.bksb_username.lower() for row in rows if row.learner.bksb_username})
    in_file = {row.learner.learner_ref for row in rows}
    found: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(usernames), LOOKUP_CHUNK):
        matches = (
            Learner.objects.annotate(bksb_username_lower=Lower("bksb_username"))
            .filter(bksb_username_lower__in=usernames[start : start + LOOKUP_CHUNK])
            .order_by("learner_ref")
            .values_list("bksb_username_lower", "learner_ref")
        )
        for username, ref in matches:
            if ref not in in_file:
                found[username].append(ref)
    return found
