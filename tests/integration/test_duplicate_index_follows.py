"""The duplicate matcher's index follows the event log like a projection (issue 20): a process
that dies between a profile's save and its indexing leaves the household unindexed only until
the next catch-up, which indexes it, proposes its pairs and moves the index's position."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.context import CommandContext
from domain.duplicates.finding import INDEXED_TOPICS
from domain.duplicates.model import DuplicateCandidate, candidate_id
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.test_duplicates_api import WARD, matcher_rows

pytestmark = pytest.mark.integration


def profiled(application: Sukuma, ctx: CommandContext) -> UUID:
    household_id = uuid4()
    application.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx,
    )
    application.submit_profile(household_id, make_profile(), None, ctx)
    return household_id


def test_a_profile_whose_indexing_died_is_indexed_and_paired_by_the_next_catch_up(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = CommandContext(actor="field", occurred_at=datetime.now(UTC))
    index: Any = application.duplicate_index
    position = index.position(application.name)

    # Given a profile saved by a process that died before it wrote the index
    def died(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the process died between the save and the index")

    monkeypatch.setattr(index, "record", died)
    first = profiled(application, ctx)
    monkeypatch.undo()
    assert matcher_rows(application, first) == 0
    assert index.position(application.name) == position

    # When the same family is profiled again by a live process (its command catches up)
    second = profiled(application, ctx)

    # Then the first household is indexed, the index's position past every profile,
    assert matcher_rows(application, first) > 0
    profiles = application.recorder.select_notifications(1, 1000, topics=INDEXED_TOPICS)
    assert index.position(application.name) >= profiles[-1].id
    # the pair is proposed once (by the catch-up or the second profile, whichever met it),
    pair = application.get(DuplicateCandidate, candidate_id(first, second))
    assert pair.status == "open" and pair.version == 1
    # and another catch-up finds nothing left to do (it only moves to the head of the log).
    assert application.catch_up_index() == 0
    assert index.position(application.name) == application.recorder.max_notification_id()


def test_a_command_skips_its_catch_up_while_another_thread_of_the_process_runs_one(
    application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of profiles (200 phones at once) ran as many catch-ups of the same page, each
    several queries on the event store's pool, and the commands ran out of connections."""
    ctx = CommandContext(actor="field", occurred_at=datetime.now(UTC))
    index: Any = application.duplicate_index
    caught_up: list[int | None] = []
    catch_up = application.catch_up_index

    def counted(limit: int | None = None) -> int:
        caught_up.append(limit)
        return catch_up(limit)

    monkeypatch.setattr(application, "catch_up_index", counted)
    profiled(application, ctx)
    assert len(caught_up) == 1  # alone, a command catches the index up after its save

    # While another thread of the process holds the catch-up,
    lock = application._index_catching_up()
    assert lock.acquire(blocking=False)
    try:
        household = profiled(application, ctx)
    finally:
        lock.release()

    # the command's household is indexed by the command itself, without a catch-up of its own,
    assert len(caught_up) == 1
    assert matcher_rows(application, household) > 0
    # and the next catch-up moves the position past it.
    catch_up()
    assert index.position(application.name) == application.recorder.max_notification_id()
