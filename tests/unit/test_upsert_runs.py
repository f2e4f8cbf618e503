"""An ``Upsert``'s run sent as arrays leaves what its rows one at a time would have left."""

from __future__ import annotations

import pytest

from projections.statements import Upsert

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
