"""An import batch's matcher index written in its append's transaction (imp16b), against a
real PostgreSQL: one commit for both, and an index that fails there loses nothing."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from uuid import UUID

import pytest

from adapters.event_store import SukumaRecorder
from api.imports.run import BATCH_HOUSEHOLDS, import_register
from domain.imports.application import import_id, imported_household_id
from domain.sukuma import Sukuma
from tests.integration.test_import import ctx, household_events, register_of


def _transactions(application: Sukuma, ids: list[UUID]) -> dict[str, dict[UUID, set[str]]]:
    """Each household's rows' transaction ids (``xmin``): its events, card and keys."""
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    tables = {
        "events": (recorder.events_table_name, "originator_id"),
        "cards": ("matcher_cards", "household_id"),
        "keys": ("matcher_keys", "household_id"),
    }
    found: dict[str, dict[UUID, set[str]]] = {}
    with recorder.datastore.transaction(commit=False) as curs:
        for name, (table, column) in tables.items():
            curs.execute(
                f"SELECT {column} AS id, xmin::text AS x FROM {table} WHERE {column} = ANY(%s)",
                (ids,),
            )
            found[name] = {}
            for row in curs.fetchall():
                found[name].setdefault(row["id"], set()).add(row["x"])
    return found


def test_a_batch_and_its_matcher_index_commit_together(application: Sukuma) -> None:
    """Each household's card and blocking keys are written by the transaction that appends
    its events (one commit a batch, not two), and the index follows the log past it."""
    total = BATCH_HOUSEHOLDS + 7
    report, _ = import_register(application, register_of(total), "big.csv", ctx())
    assert report.applied == total
    ids = [imported_household_id("KZN225-W001", f"BIG-{n:05}") for n in range(total)]

    found = _transactions(application, ids)

    for household in ids:
        assert len(found["events"][household]) == 1
        assert found["cards"][household] == found["events"][household]
        assert found["keys"][household] == found["events"][household]
    assert len({x for h in ids for x in found["events"][h]}) == 2  # two batches
    index: Any = application.duplicate_index
    assert index.stale(dict.fromkeys(ids, 2)) == set()


def test_an_index_that_fails_in_the_append_loses_nothing(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A joined append whose index statements fail writes nothing (neither events nor
    index), and is appended again without them; the index is then written after it, in a
    transaction of its own: every household once, every card as new as its profile."""
    index: Any = application.duplicate_index
    joined = index.along

    def failing(entries: Any, name: str) -> Any:
        send = joined(entries, name)

        def broken(conn: Any, sequence: str, events: int) -> Any:
            track = send(conn, sequence, events)

            def failing() -> Any:
                read = track()
                conn.execute("SELECT 1 / 0")  # after the events and every index statement
                return read

            return failing

        return broken

    monkeypatch.setattr(index, "along", failing)
    total = 5
    data = register_of(total)
    with caplog.at_level(logging.ERROR, logger="domain.imports.application"):
        report, _ = import_register(application, data, "big.csv", ctx())

    assert report.applied == total
    assert "not joined" in caplog.text
    ids = [imported_household_id("KZN225-W001", f"BIG-{n:05}") for n in range(total)]
    for n in range(total):
        assert household_events(application, f"BIG-{n:05}").count("Household.Registered") == 1
    found = _transactions(application, ids)
    for household in ids:
        assert found["cards"][household] != found["events"][household]  # written after
    assert index.stale(dict.fromkeys(ids, 2)) == set()
    recorder = application.recorder
    record = recorder.select_events(import_id(hashlib.sha256(data).hexdigest()))  # after them
    assert index.position(application.name) == recorder.max_notification_id() - len(record)
