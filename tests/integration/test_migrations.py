"""The schema comes from the numbered migrations, applied by `sukuma migrate`, in order, once.

``tests/fixtures/legacy_db.sql.gz`` is a database the code before migrations made (its
tables from start-up DDL) with a small demo, its projections caught up and one sweep run
(``tests/fixtures/make_legacy_db.py``). Upgrading it must change no row of any table.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

from adapters.database import create_database, drop_database, libpq_url
from adapters.migrations import (
    MIGRATION_LOCK_KEY,
    VERSION_TABLE,
    SchemaNotReady,
    latest_version,
    migrate,
    migrations,
)
from api.main import create_app
from domain.households.model import Household
from projections.nerve_centre.contributions import DUE_BY
from sukuma.settings import Settings
from sukuma.wiring import asgi_app, build_application, build_projector
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.conftest import BASE_URL, BROAD_SCOPES, SignedIn, add_user

LEGACY_DUMP = Path(__file__).parents[1] / "fixtures" / "legacy_db.sql.gz"
ALL_VERSIONS = [m.version for m in migrations()]
#: The tables of a view that starts where the nerve centre's stopped (not by replaying).
SEEDED = ("households", "tracking")


def psql() -> str:
    """pgserver's own psql (the embedded server's version), else the one on PATH."""
    with_wheel = Path(sys.prefix) / "lib"
    for found in with_wheel.glob("python3*/site-packages/pgserver/pginstall/bin/psql"):
        return str(found)
    on_path = shutil.which("psql")
    assert on_path is not None, "psql is needed to restore the legacy dump"
    return on_path


def restore_legacy(url: str) -> None:
    restored = subprocess.run(
        [psql(), "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq_url(url)],
        input=gzip.decompress(LEGACY_DUMP.read_bytes()),
        capture_output=True,
    )
    assert restored.returncode == 0, restored.stderr.decode()


def query(url: str, statement: str | sql.Composable, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        cursor = conn.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def columns_of(url: str) -> dict[str, list[str]]:
    """Every table's columns, in order."""
    found: dict[str, list[str]] = {}
    for table, column in query(
        url,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    ):
        found.setdefault(table, []).append(column)
    return found


def contents(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows (the version table aside); with
    ``columns``, a table named there is digested over those columns only (a later migration
    may add columns: the rows must keep every value they had)."""
    tables = [
        name
        for (name,) in query(
            url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        if name != VERSION_TABLE
    ]
    out: dict[str, tuple[int, str]] = {}
    for name in tables:
        kept = (columns or {}).get(name)
        row = (
            sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier("t", c) for c in kept))
            if kept
            else sql.SQL("t")
        )
        digest = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg({0}::text, E'\\n' ORDER BY {0}::text)), '') "
            "FROM {1} t"
        ).format(row, sql.Identifier(name))
        out[name] = tuple(query(url, digest)[0])  # type: ignore[assignment]
    return out


def shape(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The schema as the catalog describes it: columns, indexes, constraints, functions."""
    return {
        "columns": query(
            url,
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
        ),
        "indexes": query(
            url, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ),
        "constraints": query(
            url,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        ),
        "functions": query(
            url,
            "SELECT oid::regprocedure::text, prosrc, proconfig FROM pg_proc "
            "WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
        ),
        "storage": query(
            url,
            "SELECT relname, reloptions FROM pg_class WHERE relnamespace = "
            "'public'::regnamespace AND reloptions IS NOT NULL ORDER BY 1",
        ),
    }


def cli_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        data_dir=tmp_path,
        secret_key=SecretStr(TEST_SECRET_KEY),
        master_key=SecretStr(TEST_MASTER_KEY),
    )


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The environment `sukuma` commands read (keys as the fixtures', no .env)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    monkeypatch.setenv("SUKUMA_DATA_DIR", str(tmp_path))
    yield


def run_sukuma(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *args: str
) -> tuple[int | str | None, str]:
    """Run the `sukuma` entry point in this process: (exit code, what it printed, unwrapped)."""
    from sukuma import cli

    monkeypatch.setenv("SUKUMA_DATABASE_URL", url)
    monkeypatch.setattr(sys, "argv", ["sukuma", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    captured = capsys.readouterr()
    return exited.value.code, " ".join((captured.out + captured.err).split())


@pytest.fixture
def migrated_elsewhere(database_url: str) -> Iterator[str]:
    """Another new database, migrated (``blank_db_url`` is this test's own)."""
    name = f"test_{uuid4().hex[:12]}"
    url = create_database(database_url, name)
    try:
        migrate(url, "public")
        yield url
    finally:
        drop_database(database_url, name)


async def test_a_database_made_before_migrations_upgrades_with_every_row_unchanged(
    blank_db_url: str,
    migrated_elsewhere: str,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a database made by the code before migrations, with data in every view
    restore_legacy(blank_db_url)
    before = contents(blank_db_url)
    legacy_columns = columns_of(blank_db_url)
    assert before["sukuma_events"][0] > 500
    assert min(before[t][0] for t in ("nerve_centre_households", "alerts_alerts")) > 0
    # When `sukuma migrate` runs
    code, output = run_sukuma(monkeypatch, capsys, blank_db_url, "migrate")
    # Then every table holds the same rows, and the schema is a fresh database's
    assert code in (0, None), output
    assert f"migrated to version {latest_version()}" in output
    after = contents(blank_db_url, legacy_columns)
    assert {t: rows for t, rows in after.items() if t in before} == before
    # and a column a migration added to a table that had rows is empty in all of them
    for table, had in legacy_columns.items():
        for added in set(columns_of(blank_db_url)[table]) - set(had):
            filled = sql.SQL("SELECT count(*) FROM {} WHERE {} IS NOT NULL").format(
                sql.Identifier(table), sql.Identifier(added)
            )
            assert query(blank_db_url, filled) == [(0,)], (table, added)
    # New tables start empty, but the conflicts (0010) and duplicates views, which start
    # where the nerve centre stopped, with its households placed, instead of replaying the
    # log, the alert queue's counts, counted from the open alerts already there, and the
    # matcher index's position, and M9's figures by ward and week (0031, from the daily flows)
    seeded = {f"{view}_{t}" for view in ("conflicts", "duplicates") for t in SEEDED}
    seeded.update({"alerts_groups", "matcher_tracking", "nerve_centre_ward_weeks"})
    assert all(after[t][0] == 0 for t in after.keys() - before.keys() - seeded)
    open_alerts = query(
        blank_db_url, "SELECT count(*) FROM alerts_alerts WHERE status <> 'resolved'"
    )
    counted = query(blank_db_url, "SELECT coalesce(sum(alerts), 0) FROM alerts_groups")
    assert open_alerts == counted and after["alerts_groups"][0] > 0
    for view in ("conflicts", "duplicates"):
        assert after[f"{view}_households"][0] == before["nerve_centre_households"][0]
        assert after[f"{view}_tracking"][0] == before["nerve_centre_tracking"][0]
    # The matcher's index follows the log from where the nerve centre is (0019)
    followed = "SELECT application_name, notification_id FROM {}"
    assert query(blank_db_url, followed.format("matcher_tracking")) == query(
        blank_db_url, followed.format("nerve_centre_tracking")
    )
    assert shape(blank_db_url) == shape(migrated_elsewhere)
    assert [v for (v,) in query(blank_db_url, "SELECT version FROM schema_migrations")] == (
        ALL_VERSIONS
    )


async def test_an_upgraded_database_is_read_and_its_projections_resume_where_they_stopped(
    blank_db_url: str, tmp_path: Path
) -> None:
    # Given the legacy database, upgraded
    restore_legacy(blank_db_url)
    migrate(blank_db_url, "public")
    settings = cli_settings(blank_db_url, tmp_path)
    application = build_application(settings, blank_db_url)
    try:
        head = application.recorder.max_notification_id()
        # Then the projections it had have nothing to do: they stopped at the head and stay
        existing = build_projector(application, ["nerve_centre", "early_warning", "alerts"])
        assert existing.run_once() == 0
        # And the war-rooms view, new since, builds the rows of its war rooms from the log
        runner = build_projector(application)
        assert runner.run_once() > 0
        established = query(
            blank_db_url,
            "SELECT count(*) FROM sukuma_events WHERE topic LIKE %s",
            "%WarRoom.Established",
        )
        assert query(blank_db_url, "SELECT count(*) FROM war_rooms_rooms") == established
        assert established[0][0] > 0
        assert query(blank_db_url, "SELECT notification_id FROM war_rooms_tracking") == [(head,)]
        tracked = query(
            blank_db_url,
            "SELECT notification_id FROM nerve_centre_tracking WHERE application_name = %s "
            "UNION ALL SELECT notification_id FROM early_warning_tracking "
            "WHERE application_name = %s UNION ALL SELECT notification_id FROM alerts_tracking "
            "WHERE application_name = %s",
            *[application.name] * 3,
        )
        assert tracked == [(head,)] * 3
        # And an aggregate loads, its personal fields readable under the same master key
        (household_id,) = query(blank_db_url, "SELECT household_id FROM nerve_centre_households")[0]
        household = application.repository.get(UUID(str(household_id)))
        assert isinstance(household, Household)
        # And the API serves the views' rows as they were
        households = {
            str(h)
            for (h,) in query(blank_db_url, "SELECT household_id FROM nerve_centre_households")
        }
        alerts = {str(a) for (a,) in query(blank_db_url, "SELECT alert_id FROM alerts_alerts")}
        api = create_app(settings, application, database_url=blank_db_url)
        add_user(application, "tester", ("admin", "analyst"), BROAD_SCOPES)  # type: ignore[arg-type]
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            auth = SignedIn(api, application, "tester")
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as http:
                listed = (await http.get("/v1/households", params={"limit": 100})).json()
                raised = (await http.get("/v1/alerts", params={"limit": 100})).json()
        assert {row["household_id"] for row in listed["data"]} == households
        assert {row["alert_id"] for row in raised["data"]} == alerts
        # And a new event is projected from the stored position on
        assert runner.run_once() > 0
        assert query(blank_db_url, "SELECT max(notification_id) FROM nerve_centre_tracking") == [
            (application.recorder.max_notification_id(),)
        ]
    finally:
        application.close()


def test_migrating_twice_changes_nothing_the_second_time(blank_db_url: str) -> None:
    assert [m.version for m in migrate(blank_db_url, "public")] == ALL_VERSIONS
    applied = query(blank_db_url, "SELECT version, applied_at FROM schema_migrations ORDER BY 1")
    schema = shape(blank_db_url)

    assert migrate(blank_db_url, "public") == []

    assert query(blank_db_url, "SELECT version, applied_at FROM schema_migrations ORDER BY 1") == (
        applied
    )
    assert shape(blank_db_url) == schema


def test_concurrent_migrations_take_turns_under_one_advisory_lock(blank_db_url: str) -> None:
    # Given another migration holding the lock
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append([m.version for m in migrate(blank_db_url, "public")])
        except BaseException as error:  # reported below
            errors.append(error)

    with psycopg.connect(libpq_url(blank_db_url), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        # Then neither has touched the schema while it is held
        assert query(blank_db_url, "SELECT to_regclass('schema_migrations')") == [(None,)]
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    for thread in threads:
        thread.join(timeout=60)
    # And once it is released, one applies everything and the other finds nothing to do
    assert errors == []
    assert sorted(results) == [[], ALL_VERSIONS]
    assert [v for (v,) in query(blank_db_url, "SELECT version FROM schema_migrations")] == (
        ALL_VERSIONS
    )


@pytest.mark.parametrize("command", [["serve"], ["project", "--once"], ["scheduler"]])
def test_processes_refuse_an_unmigrated_database_naming_the_command(
    blank_db_url: str,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    code, output = run_sukuma(monkeypatch, capsys, blank_db_url, *command)

    assert code == 2
    assert "has not been migrated: run `sukuma migrate`" in output
    assert query(blank_db_url, "SELECT to_regclass('sukuma_events')") == [(None,)]


@pytest.mark.parametrize("command", [["serve"], ["project", "--once"], ["scheduler"], ["migrate"]])
def test_processes_refuse_a_schema_newer_than_their_migrations(
    fresh_db_url: str,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    newer = latest_version() + 1
    query(fresh_db_url, "INSERT INTO schema_migrations (version, name) VALUES (%s, 'x')", newer)

    code, output = run_sukuma(monkeypatch, capsys, fresh_db_url, *command)

    assert code == 2
    assert f"at version {newer}, newer than this release knows" in output
    assert "sukuma migrate" in output


def test_an_older_schema_is_refused_until_migrated(fresh_db_url: str, tmp_path: Path) -> None:
    query(fresh_db_url, "DELETE FROM schema_migrations WHERE version = %s", latest_version())
    settings = cli_settings(fresh_db_url, tmp_path)

    with pytest.raises(SchemaNotReady, match="run `sukuma migrate` first"):
        build_application(settings, fresh_db_url)


def test_the_asgi_entry_point_refuses_an_unmigrated_database(
    blank_db_url: str,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", blank_db_url)

    with pytest.raises(SchemaNotReady, match="sukuma migrate"):
        asgi_app()


def test_migrations_go_to_the_configured_schema_with_the_configured_lock_timeout(
    blank_db_url: str,
) -> None:
    migrate(blank_db_url, "case work", lock_timeout=7)

    tables = query(blank_db_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'case work'")
    assert tables[0][0] > 20
    assert query(blank_db_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
        (0,)
    ]
    configs = query(
        blank_db_url,
        "SELECT proname, proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'case work' "
        "ORDER BY 1",
    )
    assert configs == [("es_insert_events_uuid", ['search_path="case work"', "lock_timeout=7s"])]


def test_the_partial_indexes_cover_exactly_the_statuses_that_fall_due(fresh_db_url: str) -> None:
    (definition,) = query(
        fresh_db_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'nerve_centre_r_dist_open'"
    )[0]
    listed = definition.split("ARRAY[", 1)[1].split("]", 1)[0]
    assert sorted(s.strip().split("::")[0].strip("'") for s in listed.split(",")) == sorted(DUE_BY)


def test_alert_notes_the_view_copied_before_they_were_sealed_are_withheld(
    fresh_db_url: str,
) -> None:
    # Given a view row of an acknowledgement with a note, from before migration 6
    query(fresh_db_url, "DELETE FROM schema_migrations WHERE version >= 6")
    row = "INSERT INTO alerts_events VALUES (%s, %s, %s, now(), 'convener', %s)"
    alert = uuid4()
    query(fresh_db_url, row, alert, 2, "Acknowledged", '{"note": "Gogo has TB"}')
    query(fresh_db_url, row, alert, 3, "Acknowledged", '{"note": null}')
    query(fresh_db_url, row, alert, 4, "Resolved", '{"reason": "done"}')
    # When the database is migrated
    migrate(fresh_db_url, "public")
    # Then the note is withheld, and nothing else changed
    details = query(fresh_db_url, "SELECT detail FROM alerts_events ORDER BY version")
    assert [d for (d,) in details] == [{"note": "[withheld]"}, {"note": None}, {"reason": "done"}]
