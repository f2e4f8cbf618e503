"""An ``Upsert``'s run sent as arrays leaves what its rows one at a time would have left."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.statements import RowKeys, Upsert, layered

REFERRALS = Upsert(
    "referrals",
    ("referral_id", "household_id", "ward_id"),
    key=("referral_id",),
    update=("ward_id",),
)


def test_a_keys_rows_merge_into_its_first_with_the_update_columns_of_its_last() -> None:
    # Given a run that inserts r1, then r2, then r1 again in two other wards
    rows = [("r1", "h1", "w1"), ("r2", "h2", "w2"), ("r1", "h9", "w3"), ("r1", "h8", "w4")]
    # When it is shaped as one statement's arrays
    arrays = REFERRALS.arrays(rows)
    # Then r1 keeps its first household (not updated on conflict) and takes its last ward,
    # in the order the keys first came
    assert arrays == [["r1", "r2"], ["h1", "h2"], ["w4", "w2"]]


def test_without_update_columns_a_keys_first_row_stands() -> None:
    facts = Upsert("facts", ("fact_id", "measure"), key=("fact_id",))
    assert facts.arrays([("f1", "a"), ("f1", "b"), ("f2", "c")]) == [["f1", "f2"], ["a", "c"]]
    assert facts.statement().endswith("ON CONFLICT (fact_id) DO NOTHING")


def test_a_runs_statement_unnests_each_column_as_its_type() -> None:
    statement = REFERRALS.statement(["uuid", "uuid", "text"])
    assert statement == (
        "INSERT INTO {t_referrals} (referral_id, household_id, ward_id) "
        "SELECT * FROM unnest(%b::uuid[], %b::uuid[], %b::text[]) "
        "ON CONFLICT (referral_id) DO UPDATE SET ward_id = EXCLUDED.ward_id"
    )
    assert REFERRALS.statement() == (
        "INSERT INTO {t_referrals} (referral_id, household_id, ward_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (referral_id) DO UPDATE SET ward_id = EXCLUDED.ward_id"
    )


def test_an_array_column_is_refused_as_unnest_would_flatten_it() -> None:
    with pytest.raises(ValueError, match="flatten"):
        REFERRALS.statement(["uuid", "uuid", "text[]"])


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 4)), max_size=40))
def test_layers_keep_each_rows_changes_in_order_and_group_kinds(
    made: list[tuple[str, int]],
) -> None:
    # Given changes of three kinds to five rows (a kind's key: its parameter 1; kind c in
    # another table), numbered in the order they came
    changes = [(kind, (i, row)) for i, (kind, row) in enumerate(made)]
    keys = {"a": ("t", 1), "b": ("t", 1), "c": ("u", 1)}
    # When they are put in layers
    out = layered(changes, keys)
    # Then they are all there, each row's in the order they came
    assert sorted(out) == sorted(changes)
    for row in range(5):
        for table in "tu":
            mine = [c for c in out if c[1][1] == row and keys[c[0]][0] == table]
            assert mine == sorted(mine, key=lambda c: c[1][0])
    # And a run holds at least each (layer, kind)'s changes: a row's n-th change in layer n
    seen: dict[tuple[str, int], int] = {}
    layers = set()
    for kind, (_, row) in changes:
        key = keys[kind][0], row
        seen[key] = seen.get(key, -1) + 1
        layers.add((seen[key], kind))
    runs = [k for i, (k, _) in enumerate(out) if i == 0 or out[i - 1][0] != k]
    assert len(runs) <= len(layers)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.lists(st.integers(0, 5), max_size=3))))
def test_layers_keep_in_order_the_changes_that_share_any_row(
    made: list[tuple[str, list[int]]],
) -> None:
    # Given changes that each touch a few rows (kind c: a list of them, and row 9 of its own)
    changes = [(kind, (i, rows)) for i, (kind, rows) in enumerate(made)]
    keys: dict[str, RowKeys] = {
        "a": lambda p: p[1],
        "b": lambda p: p[1][:1],
        "c": lambda p: [*p[1], 9],
    }
    # When they are put in layers
    out = layered(changes, keys)
    # Then they are all there, and any two that share a row are in the order they came
    assert sorted(out, key=lambda c: c[1][0]) == changes
    where = {c[1][0]: n for n, c in enumerate(out)}
    for i, (kind, params) in enumerate(changes):
        for j in range(i):
            if set(keys[changes[j][0]](changes[j][1])) & set(keys[kind](params)):  # type: ignore[operator]
                assert where[j] < where[i]


def _one_at_a_time(upsert: Upsert, rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """What the rows one by one leave (each key's first row, its last row's updates)."""
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key = tuple(row[upsert.columns.index(c)] for c in upsert.key)
        if key not in merged:
            merged[key] = list(row)
        for c in upsert.update:
            merged[key][upsert.columns.index(c)] = row[upsert.columns.index(c)]
    return [list(column) for column in zip(*merged.values(), strict=True)]


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2), st.integers()), max_size=30),
    st.sampled_from([("a",), ("a", "b")]),
    st.sampled_from([(), ("c",), ("b", "c")]),
)
def test_a_runs_arrays_are_what_its_rows_one_at_a_time_leave(
    rows: list[tuple[Any, ...]], key: tuple[str, ...], update: tuple[str, ...]
) -> None:
    upsert = Upsert("t", ("a", "b", "c"), key=key, update=tuple(c for c in update if c not in key))
    assert upsert.arrays(rows) == _one_at_a_time(upsert, rows)
