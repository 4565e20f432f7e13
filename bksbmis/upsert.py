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
from typing import Any

from django.db.models import Model

Values = dict[str, Any]  # a row: field (attname) -> value
Key = tuple[Hashable, ...]


@dataclass
class Upserted:
    """What an upsert did with each row: the row's values as written (created, updated) or as stored (unchanged)."""

    created: list[Values] = field(default_factory=list)
    updated: list[Values] = field(default_factory=list)
    unchanged: list[Values] = field(default_factory=list)
    # Rows written without reading first: inserted or overwritten, the database does not say which.
    overwritten: list[Values] = field(default_factory=list)


def _first_by_key(rows: Iterable[Values], key: Sequence[str]) -> dict[Key, Values]:
    """One row per key, the first: one statement may not write a key twice (PostgreSQL refuses it)."""
    wanted: dict[Key, Values] = {}
    for row in rows:
        wanted.setdefault(tuple(row[name] for name in key), row)
    return wanted


def _stored(model: type[Model], key: Sequence[str], keys: Iterable[Key], fields: Sequence[str]) -> dict[Key, Values]:
    """The stored rows among these keys, as their pk and `fields` (one query; a key field with one value is
    matched with =, the others narrowed to their values). Values, not instances: an unchanged row, which is
    most of them, costs no model instance."""
    lookups: dict[str, object] = {}
    for name, column in zip(key, zip(*keys, strict=True), strict=True):
        values = set(column)
        lookups.update({name: values.pop()} if len(values) == 1 else {f"{name}__in": values})
    names = list(dict.fromkeys(["pk", *key, *fields]))
    rows = model._default_manager.filter(**lookups).values_list(*names)
    at = [names.index(name) for name in key]
    return {tuple(row[i] for i in at): dict(zip(names, row, strict=True)) for row in rows}


def _insert(model: type[Model], rows: list[Values], *, key: Sequence[str], written: Sequence[str]) -> None:
    """One INSERT ... ON CONFLICT (key) DO UPDATE: a key stored meanwhile gets the written fields instead."""
    instances = [model(**values) for values in rows]
    model._default_manager.bulk_create(instances, update_conflicts=True, unique_fields=key, update_fields=written)


def upsert_by_key(
    model: type[Model],
    rows: Iterable[Values],
    *,
    key: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str] | None = None,
    settle: Callable[[Values, Values], None] | None = None,
    derive: Callable[[Values], None] | None = None,
    touch: Mapping[str, object] | None = None,
) -> Upserted:
    """Insert the rows whose `key` is new and update the stored ones that changed, whatever the count.

    Each row is a field -> value dict (attnames, e.g. "session_id", for foreign
    keys) holding its remote key and every value a new row gets; of rows with the
    same key the first counts. `key` names the fields of a unique constraint.

    With `compare`, the stored rows with these keys are read (one query: their pk,
    key and `compare` fields). A stored row is changed when any `compare` field
    differs from the row's value; its `compare` and `update` fields are then set
    from the row and written (one query). `settle(stored, row)` may first adjust
    the row's values against the stored ones (a value that must never go back); `derive(row)` adds the values
    worked out from the others (a mapping), only for rows written, new or
    changed, so an unchanged row costs nothing more. The others are unchanged, and
    given `touch` get those values (one query). New rows are inserted in one
    statement that, should another writer have inserted the key meanwhile,
    updates that row instead: a race is harmless.

    Without `compare`, nothing is read: every row is inserted or, when its key is
    stored, overwritten with its `update` fields, in one statement.
    """
    wanted = _first_by_key(rows, key)
    done = Upserted()
    if not wanted:
        return done
    written = [*(compare or ()), *update]
    prepare = derive or (lambda values: None)
    if compare is None:
        for values in wanted.values():
            prepare(values)
        done.overwritten = list(wanted.values())
        _insert(model, done.overwritten, key=key, written=written)
        return done
    stored = _stored(model, key, wanted, compare)
    for row_key, values in wanted.items():
        old = stored.get(row_key)
        if old is None:
            prepare(values)
            done.created.append(values)
            continue
        if settle is not None:
            settle(old, values)
        if any(old[name] != values[name] for name in compare):
            prepare(values)
            done.updated.append(values | {"pk": old["pk"]})
        else:
            done.unchanged.append(old)
    if done.created:
        _insert(model, done.created, key=key, written=written)
    if done.updated:
        changed = [model(pk=values["pk"], **{name: values[name] for name in written}) for values in done.updated]
        model._default_manager.bulk_update(changed, written)
    if done.unchanged and touch:
        model._default_manager.filter(pk__in=[row["pk"] for row in done.unchanged]).update(**touch)
        for row in done.unchanged:
            row.update(touch)
    return done
