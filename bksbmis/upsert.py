"""Writing rows that mirror a remote resource, by the remote key: one upsert for every kind.

A row copied from elsewhere (a bksb result, session, skill, a username probe) is
identified by its remote key, which a unique constraint guards. upsert_by_key
inserts the rows whose key is new and updates those that changed, in bulk, on
SQLite and PostgreSQL alike (INSERT ... ON CONFLICT on both). Call it inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)
Values = dict[str, Any]  # a row: field (attname) -> value
Key = tuple[Hashable, ...]


@dataclass
class Upserted(Generic[M]):
    """What an upsert did with each row (the stored instance, for a row that was there before)."""

    created: list[M] = field(default_factory=list)
    updated: list[M] = field(default_factory=list)
    unchanged: list[M] = field(default_factory=list)
    # Rows written without reading first: inserted or overwritten, the database does not say which.
    overwritten: list[M] = field(default_factory=list)


def _first_by_key(rows: Iterable[Values], key: Sequence[str]) -> dict[Key, Values]:
    """One row per key, the first: one statement may not write a key twice (PostgreSQL refuses it)."""
    wanted: dict[Key, Values] = {}
    for row in rows:
        wanted.setdefault(tuple(row[name] for name in key), row)
    return wanted


def _stored(model: type[M], key: Sequence[str], keys: Iterable[Key]) -> dict[Key, M]:
    """The stored rows among these keys, in one query (each key field narrowed to its values)."""
    columns = list(zip(*keys, strict=True))
    lookups = {f"{name}__in": set(values) for name, values in zip(key, columns, strict=True)}
    return {tuple(getattr(row, name) for name in key): row for row in model._default_manager.filter(**lookups)}


def _insert(model: type[M], rows: list[M], *, key: Sequence[str], written: Sequence[str]) -> None:
    """One INSERT ... ON CONFLICT (key) DO UPDATE: a key stored meanwhile gets the written fields instead."""
    model._default_manager.bulk_create(rows, update_conflicts=True, unique_fields=key, update_fields=written)


def upsert_by_key(
    model: type[M],
    rows: Iterable[Values],
    *,
    key: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str] | None = None,
    settle: Callable[[M, Values], None] | None = None,
    derive: Callable[[Values], None] | None = None,
    touch: Mapping[str, object] | None = None,
) -> Upserted[M]:
    """Insert the rows whose `key` is new and update the stored ones that changed, whatever the count.

    Each row is a field -> value dict (attnames, e.g. "session_id", for foreign
    keys) holding its remote key and every value a new row gets; of rows with the
    same key the first counts. `key` names the fields of a unique constraint.

    With `compare`, the stored rows with these keys are read (one query). A stored
    row is changed when any `compare` field differs from the row's value; its
    `compare` and `update` fields are then set from the row and written (one
    query). `settle(stored, row)` may first adjust the row's values against the
    stored one (a value that must never go back); `derive(row)` adds the values
    worked out from the others (a mapping), only for rows written, new or
    changed, so an unchanged row costs nothing more. The others are unchanged, and
    given `touch` get those values (one query). New rows are inserted in one
    statement that, should another writer have inserted the key meanwhile,
    updates that row instead: a race is harmless.

    Without `compare`, nothing is read: every row is inserted or, when its key is
    stored, overwritten with its `update` fields, in one statement.
    """
    wanted = _first_by_key(rows, key)
    done: Upserted[M] = Upserted()
    if not wanted:
        return done
    written = [*(compare or ()), *update]
    prepare = derive or (lambda values: None)
    if compare is None:
        for values in wanted.values():
            prepare(values)
        done.overwritten = [model(**values) for values in wanted.values()]
        _insert(model, done.overwritten, key=key, written=written)
        return done
    stored = _stored(model, key, wanted)
    for row_key, values in wanted.items():
        old = stored.get(row_key)
        if old is None:
            prepare(values)
            done.created.append(model(**values))
            continue
        if settle is not None:
            settle(old, values)
        if any(getattr(old, name) != values[name] for name in compare):
            prepare(values)
            for name in written:
                setattr(old, name, values[name])
            done.updated.append(old)
        else:
            done.unchanged.append(old)
    if done.created:
        _insert(model, done.created, key=key, written=written)
    if done.updated:
        model._default_manager.bulk_update(done.updated, written)
    if done.unchanged and touch:
        model._default_manager.filter(pk__in=[row.pk for row in done.unchanged]).update(**touch)
        for row in done.unchanged:
            for name, value in touch.items():
                setattr(row, name, value)
    return done
