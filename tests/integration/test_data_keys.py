"""Data keys in PostgreSQL: one per aggregate under races, wrapped, never back after erasure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag

from adapters.data_keys import ERASED_KEY, DataKeyStore
from adapters.event_store import SukumaRecorder
from domain.sukuma import Sukuma


def store(application: Sukuma, master_key: str = "test-master-key") -> DataKeyStore:
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    return DataKeyStore(recorder.datastore, recorder.data_keys_table_name, master_key)


def destroy_household_keys(application: Sukuma, household_id: UUID) -> None:
    """What an erasure's transaction does to the household's keys."""
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    with recorder.datastore.transaction(commit=True) as curs:
        for statement in recorder.sql_destroy_keys:
            curs.execute(statement, {"household": household_id, "ids": [household_id]})


@pytest.mark.integration
def test_concurrent_creators_agree_on_one_key(application: Sukuma) -> None:
    household_id = uuid4()
    stores = [store(application) for _ in range(8)]  # separate caches, as separate processes

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda s: s.key_or_create(household_id, household_id), stores))

    assert len(set(keys)) == 1 and isinstance(keys[0], bytes) and len(keys[0]) == 32
    assert store(application).key(household_id) == keys[0]


@pytest.mark.integration
def test_keys_are_stored_wrapped_and_open_only_with_the_master_key(application: Sukuma) -> None:
    household_id = uuid4()
    key = store(application).key_or_create(household_id, household_id)
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(
            f"SELECT wrapped_key FROM {recorder.data_keys_table_name} WHERE aggregate_id = %s",
            (household_id,),
        )
        row = curs.fetchone()
    assert row is not None and isinstance(key, bytes) and key not in bytes(row["wrapped_key"])
    with pytest.raises(InvalidTag):
        store(application, master_key="another-master-key").key(household_id)


@pytest.mark.integration
def test_an_erased_key_is_never_created_again(application: Sukuma) -> None:
    household_id, referral_id = uuid4(), uuid4()
    keys = store(application)
    keys.key_or_create(household_id, household_id)
    keys.key_or_create(referral_id, household_id)
    destroy_household_keys(application, household_id)

    fresh = store(application)
    assert fresh.key(referral_id) == ERASED_KEY
    assert fresh.key_or_create(household_id, household_id) == ERASED_KEY


@pytest.mark.integration
def test_household_keys_made_in_bulk_keep_existing_and_erased_ones(application: Sukuma) -> None:
    existing, erased, new = uuid4(), uuid4(), [uuid4() for _ in range(5)]
    keys = store(application)
    kept = keys.key_or_create(existing, existing)
    keys.key_or_create(erased, erased)
    destroy_household_keys(application, erased)

    bulk = store(application)
    bulk.create_household_keys([existing, erased, *new, new[0]])

    fresh = store(application)  # no cache: what the table holds
    assert fresh.key(existing) == kept == bulk.key(existing)
    assert fresh.key(erased) == ERASED_KEY == bulk.key(erased)
    made = [fresh.key(h) for h in new]
    assert made == [bulk.key(h) for h in new]
    assert all(isinstance(k, bytes) and len(k) == 32 for k in made) and len(set(made)) == 5
