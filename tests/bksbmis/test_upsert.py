"""upsert_by_key: new keys inserted, changed rows updated, the rest left (or touched), in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from bksb_integration.models import UsernameProbe
from bksbmis import upsert
from bksbmis.upsert import upsert_by_key

pytestmark = pytest.mark.django_db

EARLIER = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 9, 2, 9, 0, tzinfo=dt.UTC)


def _probe(username: str, user_id: int | None, at: dt.datetime = NOW) -> dict[str, object]:
    return {"username": username, "bksb_user_id": user_id, "probed_at": at}


def _stored() -> dict[str, tuple[int | None, dt.datetime]]:
    return {row.username: (row.bksb_user_id, row.probed_at) for row in UsernameProbe.objects.all()}


def _store_three() -> None:
    UsernameProbe.objects.bulk_create(
        [UsernameProbe(**_probe(name, user_id, EARLIER)) for name, user_id in [("ann", 1), ("bob", 2), ("cy", None)]]
    )


def test_compared_upsert_inserts_updates_and_touches_in_four_queries(django_assert_num_queries):
    _store_three()
    wanted = [_probe("ann", 1), _probe("bob", 20), _probe("cy", None), _probe("dee", 4)]
    with django_assert_num_queries(4):  # read, insert, update the changed, touch the unchanged
        done = upsert_by_key(
            UsernameProbe, wanted, key=("username",), compare=("bksb_user_id",), update=(), touch={"probed_at": NOW}
        )
    assert [row["username"] for row in done.created] == ["dee"]
    assert [row["username"] for row in done.updated] == ["bob"]
    assert sorted(row["username"] for row in done.unchanged) == ["ann", "cy"]
    assert _stored() == {"ann": (1, NOW), "bob": (20, EARLIER), "cy": (None, NOW), "dee": (4, NOW)}


def test_update_fields_are_written_only_when_a_compared_field_changed():
    _store_three()
    wanted = [_probe("ann", 1), _probe("bob", 20)]
    done = upsert_by_key(UsernameProbe, wanted, key=("username",), compare=("bksb_user_id",), update=("probed_at",))
    assert [row["username"] for row in done.updated] == ["bob"]
    assert _stored()["ann"] == (1, EARLIER)
    assert _stored()["bob"] == (20, NOW)


def test_settle_adjusts_the_wanted_row_before_comparing():
    _store_three()

    def known_user_stays_known(stored: dict[str, object], wanted: dict[str, object]) -> None:
        if wanted["bksb_user_id"] is None:
            wanted["bksb_user_id"] = stored["bksb_user_id"]

    done = upsert_by_key(
        UsernameProbe,
        [_probe("ann", None), _probe("cy", 3)],
        key=("username",),
        compare=("bksb_user_id",),
        update=(),
        settle=known_user_stays_known,
    )
    assert [row["username"] for row in done.unchanged] == ["ann"]
    assert _stored()["ann"] == (1, EARLIER)
    assert _stored()["cy"] == (3, EARLIER)


def test_a_key_given_twice_counts_once_the_first():
    done = upsert_by_key(
        UsernameProbe, [_probe("ann", 1), _probe("ann", 2)], key=("username",), compare=("bksb_user_id",), update=()
    )
    assert len(done.created) == 1
    assert _stored() == {"ann": (1, NOW)}


def test_without_compare_every_row_is_written_in_one_statement(django_assert_num_queries):
    _store_three()
    with django_assert_num_queries(1):
        done = upsert_by_key(
            UsernameProbe,
            [_probe("ann", 10), _probe("dee", 4), _probe("dee", 5)],
            key=("username",),
            update=("bksb_user_id", "probed_at"),
        )
    assert [row["username"] for row in done.overwritten] == ["ann", "dee"]
    assert _stored() == {"ann": (10, NOW), "bob": (2, EARLIER), "cy": (None, EARLIER), "dee": (4, NOW)}


def test_a_key_stored_meanwhile_by_another_writer_is_updated_not_refused(monkeypatch):
    """Read as new, then stored by a racing download before the insert: the insert writes its fields onto it."""
    read = upsert._stored

    def read_then_another_writer_stores(*args, **kwargs):
        found = read(*args, **kwargs)
        UsernameProbe.objects.create(**_probe("ann", 1, EARLIER))
        return found

    monkeypatch.setattr(upsert, "_stored", read_then_another_writer_stores)
    done = upsert_by_key(UsernameProbe, [_probe("ann", 9)], key=("username",), compare=("bksb_user_id",), update=())
    assert [row["username"] for row in done.created] == ["ann"]
    assert _stored() == {"ann": (9, EARLIER)}


def test_nothing_given_nothing_asked(django_assert_num_queries):
    with django_assert_num_queries(0):
        done = upsert_by_key(UsernameProbe, [], key=("username",), compare=("bksb_user_id",), update=())
    assert done == upsert.Upserted()


def test_derived_values_are_worked_out_only_for_rows_written():
    _store_three()
    derived: list[str] = []

    def stamp(values: dict[str, object]) -> None:
        derived.append(str(values["username"]))
        values["probed_at"] = NOW

    upsert_by_key(
        UsernameProbe,
        [_probe("ann", 1, EARLIER), _probe("bob", 20, EARLIER), _probe("dee", 4, EARLIER)],
        key=("username",),
        compare=("bksb_user_id",),
        update=("probed_at",),
        derive=stamp,
    )
    assert derived == ["bob", "dee"]
    assert _stored() == {"ann": (1, EARLIER), "bob": (20, NOW), "cy": (None, EARLIER), "dee": (4, NOW)}
