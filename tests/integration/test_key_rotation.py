"""``sukuma keys status / rotate``: a new master key, the same personal data, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr
from typer.testing import CliRunner

from adapters.data_keys import DataKeyStore, KeyWrapper
from adapters.event_store import SukumaRecorder
from adapters.key_rotation import key_report
from adapters.matching.index import MATCHER_KEY_ID
from domain.context import CommandContext
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from sukuma.cli import cli
from sukuma.settings import Settings
from sukuma.wiring import build_application
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.factories import make_member, make_profile

NEW_MASTER_KEY = "new-master-key-" + "2" * 49

pytestmark = pytest.mark.integration


def profiled_households(application: Sukuma, count: int) -> list[UUID]:
    """Households with personal data (names, ID numbers, phones) sealed under data keys."""
    ward_id = geography().wards_in("municipality", "KZN225")[0].id
    ctx = CommandContext(actor="test", occurred_at=datetime.now(UTC))
    ids = []
    for i in range(count):
        household_id = uuid4()
        application.register_household(
            household_id=household_id,
            ward_id=ward_id,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx,
        )
        head = make_member(first_name=f"Nomvula{i}", phone=f"+27 82 555 {1000 + i}")
        application.submit_profile(household_id, dict(make_profile(members=[head])), None, ctx)
        ids.append(household_id)
    return ids


def heads(application: Sukuma, ids: list[UUID]) -> list[tuple[str, str]]:
    names = []
    for household_id in ids:
        profile = application.repository.get(household_id).profile
        assert profile is not None
        head = profile["members"][0]
        names.append((head["first_name"], head["phone"]))
    return names


def rotating(settings: Settings) -> Settings:
    """The settings of every process once the rotation has begun: new key, old as previous."""
    return settings.model_copy(
        update={
            "master_key": SecretStr(NEW_MASTER_KEY),
            "master_key_previous": settings.master_key,
        }
    )


def cli_env(monkeypatch: pytest.MonkeyPatch, url: str, master: str, previous: str | None) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", master)
    if previous is None:
        monkeypatch.delenv("SUKUMA_MASTER_KEY_PREVIOUS", raising=False)
    else:
        monkeypatch.setenv("SUKUMA_MASTER_KEY_PREVIOUS", previous)


def test_rotation_rewraps_every_key_and_the_personal_data_reads_the_same(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.database_url is not None
    url = settings.database_url
    old_app = build_application(settings, url)
    ids = profiled_households(old_app, 3)
    before = heads(old_app, ids)
    old_app.close()
    runner = CliRunner()

    cli_env(monkeypatch, url, NEW_MASTER_KEY, TEST_MASTER_KEY)
    status = runner.invoke(cli, ["keys", "status"])
    # Meanwhile every process runs with both keys, and reads everything.
    during = build_application(rotating(settings), url)
    assert heads(during, ids) == before
    rotated = runner.invoke(cli, ["keys", "rotate", "--page-size", "2"])
    again = runner.invoke(cli, ["keys", "rotate"])
    cli_env(monkeypatch, url, NEW_MASTER_KEY, None)
    after_status = runner.invoke(cli, ["keys", "status"])
    during.close()

    assert status.exit_code == 0, status.output
    # The three households' keys and the duplicate matcher's own (made by the first profile)
    assert "wrapped by the previous master key: 4" in status.output
    assert rotated.exit_code == 0, rotated.output
    assert "(4 rewrapped now)" in rotated.output
    assert again.exit_code == 0 and "rewrapped" not in again.output  # nothing left to do
    assert after_status.exit_code == 0 and "current master key: 4" in after_status.output
    # The new key alone opens everything; the old one alone opens nothing.
    new_only = settings.model_copy(update={"master_key": SecretStr(NEW_MASTER_KEY)})
    new_app = build_application(new_only, url)
    assert heads(new_app, ids) == before
    recorder = new_app.recorder
    assert isinstance(recorder, SukumaRecorder)
    stale = DataKeyStore(recorder.datastore, recorder.data_keys_table_name, TEST_MASTER_KEY)
    with pytest.raises(InvalidTag):
        stale.key(ids[0])
    fresh = DataKeyStore(recorder.datastore, recorder.data_keys_table_name, NEW_MASTER_KEY)
    assert isinstance(fresh.key(MATCHER_KEY_ID), bytes)  # the matcher's index stays readable
    new_app.close()


def test_an_interrupted_rotation_is_finished_by_running_it_again(application: Sukuma) -> None:
    ids = profiled_households(application, 3)
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    datastore, table = recorder.datastore, recorder.data_keys_table_name
    wrapper = KeyWrapper(NEW_MASTER_KEY, [TEST_MASTER_KEY])

    def crash(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        key_report(datastore, table, wrapper, rotate=True, page_size=1, on_progress=crash)
    halfway = key_report(datastore, table, wrapper, rotate=False)
    finished = key_report(datastore, table, wrapper, rotate=True)

    # (three households' keys and the duplicate matcher's)
    assert (halfway.current, halfway.previous) == (1, 3)  # the first page committed, alone
    assert finished.rewrapped == 3 and finished.current == 4 and not finished.unreadable
    new_only = DataKeyStore(datastore, table, NEW_MASTER_KEY)
    assert all(isinstance(new_only.key(i), bytes) for i in ids)


def test_erased_households_stay_erased_and_foreign_keys_are_reported_not_touched(
    application: Sukuma, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.database_url is not None
    erased, kept = profiled_households(application, 2)
    recorder = application.recorder
    assert isinstance(recorder, SukumaRecorder)
    with recorder.datastore.transaction(commit=True) as curs:
        for statement in recorder.sql_destroy_keys:
            curs.execute(statement, {"household": erased, "ids": [erased]})
    foreign = DataKeyStore(recorder.datastore, recorder.data_keys_table_name, "another-key")
    stray = uuid4()
    foreign.key_or_create(stray, stray)  # wrapped by a key this install never had
    runner = CliRunner()
    cli_env(monkeypatch, settings.database_url, NEW_MASTER_KEY, TEST_MASTER_KEY)

    status = runner.invoke(cli, ["keys", "status"])
    rotated = runner.invoke(cli, ["keys", "rotate"])

    assert status.exit_code == 1 and "opened by no configured master key: 1" in status.output
    assert str(stray) in status.output
    assert rotated.exit_code == 1 and "erased (tombstones): 1" in rotated.output
    assert "(2 rewrapped now)" in rotated.output  # the kept household's and the matcher's
    new_only = DataKeyStore(recorder.datastore, recorder.data_keys_table_name, NEW_MASTER_KEY)
    assert new_only.key(erased) == "erased" and isinstance(new_only.key(kept), bytes)
    assert isinstance(foreign.key(stray), bytes)  # left as it was


def test_rotation_without_a_previous_key_explains_what_to_set(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.database_url is not None
    cli_env(monkeypatch, settings.database_url, TEST_MASTER_KEY, None)
    result = CliRunner().invoke(cli, ["keys", "rotate"])
    assert result.exit_code == 2
    assert "SUKUMA_MASTER_KEY_PREVIOUS" in result.output
