"""Erasure reaches the disk: the destroyed keys' bytes leave the data-key table's file."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from psycopg.sql import SQL, Identifier

from adapters.event_store import SukumaRecorder
from domain.sukuma import Sukuma
from tests.integration.helpers import post_ok, profiled_household
from tests.integration.test_erasure import seed


def recorder_of(app: Sukuma) -> SukumaRecorder:
    recorder = app.recorder
    assert isinstance(recorder, SukumaRecorder)
    return recorder


def query(app: Sukuma, statement: SQL | str, *params: Any) -> list[dict[str, Any]]:
    with recorder_of(app).datastore.get_connection() as conn:  # autocommit: CHECKPOINT too
        cursor = conn.execute(statement, params or None)
        return list(cursor.fetchall()) if cursor.description else []


def table_file(app: Sukuma) -> bytes:
    """The data-key table's file as on disk (after a checkpoint has written every page)."""
    recorder = recorder_of(app)
    table = f"{recorder.datastore.schema}.{recorder.data_keys_table_name}"
    query(app, "CHECKPOINT")
    rows = query(app, "SELECT pg_read_binary_file(pg_relation_filepath(%s)) AS file", table)
    return bytes(rows[0]["file"])


async def test_after_an_erasure_no_destroyed_key_is_left_in_the_table_file(
    client: httpx.AsyncClient, application: Sukuma, ward_id: str
) -> None:
    if not query(application, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][
        "rolsuper"
    ]:
        pytest.skip("reading a table's file needs a superuser (the embedded server's is one)")
    # Given a household with a referral, each with its data key, and a second household
    household_id, _ = await seed(client, ward_id)
    kept_id = await profiled_household(client, ward_id)
    recorder = recorder_of(application)
    assert recorder.data_keys is not None
    scrubber = recorder.data_keys.scrubber
    scrubber.delay_seconds = 0.0
    t = Identifier(recorder.datastore.schema), Identifier(recorder.data_keys_table_name)
    select = SQL("SELECT aggregate_id, household_id, wrapped_key FROM {0}.{1}").format(*t)
    rows = query(application, select)
    destroyed = [bytes(r["wrapped_key"]) for r in rows if r["household_id"] == UUID(household_id)]
    kept = [bytes(r["wrapped_key"]) for r in rows if r["household_id"] == UUID(kept_id)]
    assert len(destroyed) == 2 and kept  # the household's key and its referral's
    assert all(key in table_file(application) for key in destroyed)

    # When an admin erases the first household's personal data
    await post_ok(client, f"/v1/households/{household_id}/erase", {"reason": "data subject asked"})
    assert scrubber.wait(timeout=60), "the data-key table was not rewritten in time"

    # Then no byte sequence of its keys is left in the table's file; the other's keys are
    on_disk = table_file(application)
    assert [key in on_disk for key in destroyed] == [False, False]
    assert all(key in on_disk for key in kept)
    assert scrubber.runs == 1
