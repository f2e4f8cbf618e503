"""``bench.catchup`` over a small log: ``--projection`` catches up only the named projections
(the nerve centre alone, to see its own figures), and ``--statements`` is off, said so, on a
server that does not preload ``pg_stat_statements`` (the embedded one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from bench._events import fill
from bench.catchup import process_catch_up, reset_statements
from domain.sukuma import Sukuma

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def tracked(datastore: PostgresDatastore, name: str) -> int:
    with datastore.transaction(commit=False) as curs:
        table = SQL("{0}.{1}").format(Identifier(datastore.schema), Identifier(f"{name}_tracking"))
        curs.execute(SQL("SELECT max(notification_id) AS n FROM {0}").format(table))
        row = curs.fetchone()
    return int(row["n"] or 0) if row else 0


def test_catch_up_of_the_named_projections_only(
    application: Sukuma, fresh_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the projector processes import the project
    monkeypatch.chdir(REPO)
    fill(application, 300)
    head = application.recorder.max_notification_id() or 0
    datastore: PostgresDatastore = application.factory.datastore  # type: ignore[attr-defined]

    done = process_catch_up(fresh_db_url, head, 100, ["war_rooms"])

    assert set(done.projector_cpu) == {"war_rooms"}
    assert tracked(datastore, "war_rooms") == head
    assert tracked(datastore, "nerve_centre") == 0  # not run


def test_statements_need_the_extension_preloaded(fresh_db_url: str) -> None:
    assert reset_statements(fresh_db_url) is False
