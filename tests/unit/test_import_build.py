"""An import builds and seals the events the API's commands record for the same household
(import13 rebuilt how those events are made: they must not change)."""

from __future__ import annotations

import importlib
import pickle
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.imports.rows import read_register
from domain.context import CommandContext
from domain.households.derived_needs import uuid5_text
from domain.imports.application import IMPORT_NAMESPACE, imported_household_id
from domain.sukuma import Sukuma

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
CTX = CommandContext(actor="importer", occurred_at=NOW)


@pytest.fixture
def apps(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sukuma, Sukuma]]:
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    imported, commanded = Sukuma(), Sukuma()
    yield imported, commanded
    imported.close()
    commanded.close()


def _events(app: Sukuma, household_id: UUID) -> list[tuple[str, int, dict[str, Any]]]:
    return [
        (
            type(e).__qualname__,
            e.originator_version,
            {k: v for k, v in vars(e).items() if k != "timestamp"},  # when it was recorded
        )
        for e in app.repository.event_store.get(household_id)
    ]


def test_an_import_records_the_events_of_the_api_commands_for_the_same_household(
    apps: tuple[Sukuma, Sukuma],
) -> None:
    imported, commanded = apps
    register = importlib.import_module("bench.import").register_of(24)
    households = read_register(register, NOW.date()).households
    assert len(households) == 24

    written = imported.import_households(households, CTX)
    for h in households:
        commanded.register_household(
            household_id=h.household_id,
            ward_id=h.ward_id,
            dwelling_type=h.dwelling_type,
            village=h.village,
            gps=None,
            field_worker_id=None,
            ctx=CTX,
        )
        commanded.submit_profile(h.household_id, dict(h.profile), None, CTX)

    assert written == [h.household_id for h in households]
    needs = 0
    for h in households:
        mine, theirs = _events(imported, h.household_id), _events(commanded, h.household_id)
        assert mine == theirs
        needs += sum(1 for name, _, _ in mine if name == "Household.NeedIdentified")
    assert needs > 0  # the register derives needs: their ids and events are compared too


@given(st.uuids(), st.text())
def test_a_derived_need_id_is_the_text_of_the_uuid5_of_its_key(namespace: UUID, name: str) -> None:
    try:
        expected = str(uuid.uuid5(namespace, name))
    except UnicodeEncodeError:  # a lone surrogate: neither can hash it
        with pytest.raises(UnicodeEncodeError):
            uuid5_text(namespace, name)
        return
    assert uuid5_text(namespace, name) == expected


@given(st.text(), st.text())
def test_an_imported_household_id_is_the_uuid5_of_its_ward_and_key(ward: str, key: str) -> None:
    try:
        expected = uuid.uuid5(IMPORT_NAMESPACE, f"household:{ward}:{key}")
    except UnicodeEncodeError:  # a lone surrogate: neither can hash it
        with pytest.raises(UnicodeEncodeError):
            imported_household_id(ward, key)
        return
    found = imported_household_id(ward, key)
    assert (found, str(found), found.version, found.variant) == (
        expected,
        str(expected),
        5,
        uuid.RFC_4122,
    )


def test_a_sealed_batch_crosses_between_processes_unchanged(
    apps: tuple[Sukuma, Sukuma],
) -> None:
    """A worker's sealed batch is pickled as its events' columns (import13): the writer gets
    the same ids, events (in order) and matcher entries."""
    app, _ = apps
    register = importlib.import_module("bench.import").register_of(6)
    households = read_register(register, NOW.date()).households
    sealed = app.seal_import(app.build_import(households, CTX))
    ids, versions, topics, states = sealed.events
    assert len(ids) == len(versions) == len(topics) == len(states) > len(households)
    assert {type(state) for state in states} == {bytes}

    copied = pickle.loads(pickle.dumps(sealed, protocol=pickle.HIGHEST_PROTOCOL))

    assert copied == sealed and copied is not sealed
