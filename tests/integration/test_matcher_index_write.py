"""The matcher's index written in one pipelined transaction (import10): what ``record`` leaves
is what its statements one by one left, and a write that fails leaves nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from psycopg.sql import SQL

from domain.duplicates.ports import IndexEntry
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.test_duplicates_api import WARD, matcher_rows

pytestmark = pytest.mark.integration


def cards(application: Sukuma) -> dict[UUID, tuple[str, int | None]]:
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as curs:
        curs.execute(SQL("SELECT household_id, ward_id, version FROM matcher_cards"))
        return {r["household_id"]: (r["ward_id"], r["version"]) for r in curs.fetchall()}


def test_a_household_given_twice_is_indexed_as_its_last_entry_and_forget_drops_others(
    application: Sukuma,
) -> None:
    index: Any = application.duplicate_index
    kept, twice, forgotten = uuid4(), uuid4(), uuid4()
    index.record([IndexEntry(forgotten, WARD, make_profile(), 3)])
    assert matcher_rows(application, forgotten) > 1

    index.record(
        [
            IndexEntry(twice, WARD, make_profile(), 1),
            IndexEntry(kept, WARD, make_profile(), None),  # a version unknown
            IndexEntry(twice, "KZN225-W002", make_profile(), 2),
        ],
        forget=[forgotten],
        position=(application.name, 7),
    )

    assert cards(application) == {kept: (WARD, None), twice: ("KZN225-W002", 2)}
    assert matcher_rows(application, forgotten) == 0
    once = matcher_rows(application, kept)
    assert once > 1 and matcher_rows(application, twice) == once  # its keys once, not twice
    assert index.position(application.name) == 7


def test_a_failed_write_leaves_nothing_and_the_connection_serves_the_next(
    application: Sukuma,
) -> None:
    index: Any = application.duplicate_index
    household = uuid4()

    with pytest.raises(Exception, match="out of range"):  # the last statement fails
        index.record(
            [IndexEntry(household, WARD, make_profile(), 1)], position=(application.name, 2**70)
        )

    assert matcher_rows(application, household) == 0
    index.record([IndexEntry(household, WARD, make_profile(), 1)], position=(application.name, 5))
    assert cards(application) == {household: (WARD, 1)}
    assert index.position(application.name) == 5
