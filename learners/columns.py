"""The learner list's columns, and each person's choice of them (the column chooser).

Reference and Name always show: they name the row. Every other column, the list's own and
those other apps register (learners/listing.py), each person may show or hide; the choice is
kept per user in the database (ListPreference) as the changes from each column's default, so
a column added later shows or not by its own default. A hidden registered column is not read
at all. The CSV carries every column the person may see, whatever they show on screen: it is
for working on the records elsewhere, and a column missing from it cannot be got back there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User

from learners.listing import AnyUser, ListColumn, list_columns
from learners.models import ListPreference


@dataclass(frozen=True)
class OwnColumn:
    """A column of the learner list itself (its cell is written in learners/_learner_table.html)."""

    key: str
    header: str
    shown_by_default: bool


# In the list's order; Email, Web user and System status are hidden by default so that the
# default columns, the level badges among them, fit a 1366 px screen.
OWN_COLUMNS = (
    OwnColumn("kind", "Type", True),
    OwnColumn("email", "Email", False),
    OwnColumn("web_user", "Web user", False),
    OwnColumn("system_status", "System status", False),
    OwnColumn("learning_status", "Learning status", True),
    OwnColumn("bksb_user", "BKSB User", True),
)


@dataclass(frozen=True)
class ColumnOption:
    """A checkbox of the column chooser."""

    key: str
    header: str
    shown: bool
    shown_by_default: bool


@dataclass(frozen=True)
class ColumnChoice:
    """What one person's list shows."""

    own: dict[str, bool]
    registered: list[ListColumn]
    options: list[ColumnOption]

    @property
    def changed(self) -> bool:
        return any(option.shown != option.shown_by_default for option in self.options)

    @property
    def count(self) -> int:
        """Columns shown, Reference and Name included."""
        return 2 + sum(self.own.values()) + len(self.registered)


def _stored(user: AnyUser) -> dict[str, bool]:
    if not user.is_authenticated:
        return {}
    stored = ListPreference.objects.filter(user_id=user.pk).values_list("columns", flat=True).first()
    return {str(key): bool(value) for key, value in (stored or {}).items()}


def list_columns_chosen(*, user: AnyUser) -> ColumnChoice:
    """The columns this person's list shows (one query), and the chooser's options."""
    stored = _stored(user)
    registered = list_columns(user)
    every: list[OwnColumn | ListColumn] = [*OWN_COLUMNS, *registered]
    options = [
        ColumnOption(
            column.key, column.header, stored.get(column.key, column.shown_by_default), column.shown_by_default
        )
        for column in every
    ]
    shown = {option.key for option in options if option.shown}
    return ColumnChoice(
        own={column.key: column.key in shown for column in OWN_COLUMNS},
        registered=[column for column in registered if column.key in shown],
        options=options,
    )


def list_columns_choose(*, user: User, shown: Iterable[str]) -> ColumnChoice:
    """Keep which of the columns this person may choose are shown (the keys of `shown`; unknown ones ignored).

    A column the person may not see now keeps what they chose for it before.
    """
    wanted = set(shown)
    stored = _stored(user)
    for option in list_columns_chosen(user=user).options:
        stored.pop(option.key, None)
        if (option.key in wanted) != option.shown_by_default:
            stored[option.key] = option.key in wanted
    ListPreference.objects.update_or_create(user=user, defaults={"columns": stored})
    return list_columns_chosen(user=user)


def list_columns_reset(*, user: User) -> None:
    """Back to the default columns."""
    ListPreference.objects.filter(user=user).delete()
