"""Settings: environment variables in, the eventsourcing env dict out, URLs parsed as libpq does."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from adapters.database import asyncpg_connect_kwargs, asyncpg_dsn, database_url_for
from sukuma.key_rotation import begin_local_rotation, finish_local_rotation
from sukuma.settings import (
    MAPPER_TOPIC,
    RECORDER_TOPIC,
    TRANSCODER_TOPIC,
    Settings,
    parse_database_url,
)


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


def test_defaults_describe_a_local_single_node_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DATA_DIR", "HOST", "PORT", "SECRET_KEY"):
        monkeypatch.delenv(f"SUKUMA_{name}", raising=False)
    settings = make_settings()
    assert settings.database_url is None
    assert settings.data_dir == Path(".sukuma-data")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.occurred_at_window_days == 90
    assert settings.write_pool_size == 10
    assert (settings.read_pool_min_size, settings.read_pool_max_size) == (2, 10)
    assert settings.uses_dev_secret_key


def test_settings_come_from_sukuma_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", "postgresql://u:p@db:5432/sukuma")
    monkeypatch.setenv("SUKUMA_PORT", "9000")
    monkeypatch.setenv("SUKUMA_OCCURRED_AT_WINDOW_DAYS", "30")
    monkeypatch.setenv("SUKUMA_SECRET_KEY", "s3cret")
    settings = make_settings()
    assert settings.database_url == "postgresql://u:p@db:5432/sukuma"
    assert settings.port == 9000
    assert settings.occurred_at_window_days == 30
    assert settings.secret_key.get_secret_value() == "s3cret"
    assert not settings.uses_dev_secret_key


def test_the_master_key_has_a_development_default_and_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SUKUMA_MASTER_KEY", raising=False)
    assert make_settings().uses_dev_master_key
    monkeypatch.setenv("SUKUMA_MASTER_KEY", "k" * 64)
    settings = make_settings()
    assert settings.master_key.get_secret_value() == "k" * 64
    assert not settings.uses_dev_master_key
    assert "k" * 64 not in repr(settings)


def test_settings_read_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUKUMA_PORT", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("SUKUMA_PORT=8123\n")
    assert Settings(_env_file=env_file).port == 8123  # type: ignore[call-arg]


def test_the_pages_oidc_client_needs_the_issuer_the_api_trusts() -> None:
    with pytest.raises(ValueError, match="oidc_client_id needs oidc_issuer"):
        make_settings(oidc_client_id="sukuma-web")
    issuer = {"oidc_issuer": "https://idp.example", "oidc_jwks_url": "https://idp.example/k"}
    assert make_settings(oidc_client_id="sukuma-web", **issuer).oidc_client_secret is None


def test_read_pool_minimum_cannot_exceed_maximum() -> None:
    with pytest.raises(ValueError, match="read_pool_min_size"):
        make_settings(read_pool_min_size=5, read_pool_max_size=2)


def test_tcp_url_with_percent_encoded_password() -> None:
    params = parse_database_url("postgresql://sukuma:p%40ss%2Fw%3Ard@db.example:5433/cases")
    assert params.host == "db.example"
    assert params.port == "5433"
    assert params.user == "sukuma"
    assert params.password == "p@ss/w:rd"
    assert params.dbname == "cases"
    assert params.schema is None
    assert not params.is_unix_socket


def test_unix_socket_url_takes_its_host_from_the_query_string() -> None:
    params = parse_database_url("postgresql://postgres:@/postgres?host=/tmp/xyz")
    assert params.host == "/tmp/xyz"
    assert params.is_unix_socket
    assert params.user == "postgres"
    assert params.password == ""
    assert params.dbname == "postgres"
    assert params.port == "5432"


def test_missing_parts_mean_libpq_defaults() -> None:
    params = parse_database_url("postgresql:///sukuma")
    assert (params.host, params.user, params.password) == ("", "", "")
    assert params.port == "5432"
    assert params.dbname == "sukuma"


def test_key_value_conninfo_is_accepted() -> None:
    params = parse_database_url("host=/var/run/postgresql port=5444 dbname=x user=y password=z")
    assert (params.host, params.port, params.dbname, params.user, params.password) == (
        "/var/run/postgresql",
        "5444",
        "x",
        "y",
        "z",
    )


def test_ipv6_host() -> None:
    params = parse_database_url("postgresql://u@[::1]:6543/d")
    assert (params.host, params.port) == ("::1", "6543")
    assert parse_database_url(params.url()) == params


def test_schema_query_parameter_is_taken_out_of_the_libpq_url() -> None:
    params = parse_database_url("postgresql://u:p@h/d?schema=sukuma&sslmode=disable")
    assert params.schema == "sukuma"
    assert params.dbname == "d"


def test_malformed_url_is_rejected() -> None:
    with pytest.raises(psycopg.ProgrammingError):
        parse_database_url("postgresql://u@h/d?nonsense=1")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:@/postgres?host=/tmp/xyz",
        "postgresql://sukuma:p%40ss%2Fw@db.example:5433/cases",
        "postgresql://u:p@h:5432/d?schema=other",
        "postgresql:///sukuma",
    ],
)
def test_url_round_trips(url: str) -> None:
    params = parse_database_url(url)
    assert parse_database_url(params.url()) == params


def test_database_url_for_keeps_server_and_credentials() -> None:
    url = database_url_for("postgresql://postgres:@/postgres?host=/tmp/xyz", "test_abc")
    params = parse_database_url(url)
    assert (params.host, params.user, params.dbname) == ("/tmp/xyz", "postgres", "test_abc")


def test_eventsourcing_env_for_a_tcp_server() -> None:
    settings = make_settings(write_pool_size=7, write_pool_max_overflow=3)
    env = settings.eventsourcing_env("postgresql://sukuma:s%20x@db:5432/sukuma")
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
        "MAPPER_TOPIC": MAPPER_TOPIC,
        "TRANSCODER_TOPIC": TRANSCODER_TOPIC,
        "POSTGRES_DBNAME": "sukuma",
        "POSTGRES_HOST": "db",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "sukuma",
        "POSTGRES_PASSWORD": "s x",
        "POSTGRES_SCHEMA": "public",
        "POSTGRES_POOL_SIZE": "7",
        "POSTGRES_MAX_OVERFLOW": "3",
        "POSTGRES_CONNECT_TIMEOUT": "2",
        "POSTGRES_LOCK_TIMEOUT": "0",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "n",
    }


def test_eventsourcing_env_for_the_embedded_unix_socket_server() -> None:
    env = make_settings().eventsourcing_env("postgresql://postgres:@/sukuma?host=/tmp/pg-sock")
    assert env["POSTGRES_HOST"] == "/tmp/pg-sock"
    assert env["POSTGRES_PASSWORD"] == ""
    assert env["POSTGRES_DBNAME"] == "sukuma"


def test_schema_comes_from_the_url_before_the_setting() -> None:
    settings = make_settings(database_schema="from_setting")
    assert settings.eventsourcing_env("postgresql://u@h/d")["POSTGRES_SCHEMA"] == "from_setting"
    from_url = settings.eventsourcing_env("postgresql://u@h/d?schema=from_url")
    assert from_url["POSTGRES_SCHEMA"] == "from_url"


def test_eventsourcing_env_values_are_all_strings() -> None:
    env = make_settings().eventsourcing_env("postgresql://u:p@h:1/d")
    assert all(isinstance(value, str) for value in env.values())


def test_asyncpg_dsn_keeps_the_unix_socket_as_a_host_parameter() -> None:
    dsn = asyncpg_dsn("postgresql://postgres:@/postgres?host=/tmp/xyz&schema=s")
    assert dsn.startswith("postgresql://postgres@/postgres?")
    assert "host=/tmp/xyz" in dsn
    assert "schema" not in dsn


def test_asyncpg_connect_kwargs_set_the_search_path_for_another_schema() -> None:
    assert asyncpg_connect_kwargs("postgresql://u@h/d") == {"dsn": "postgresql://u@h:5432/d"}
    kwargs = asyncpg_connect_kwargs("postgresql://u@h/d?schema=cases")
    assert kwargs["server_settings"] == {"search_path": '"cases", public'}


def test_a_process_on_a_real_database_refuses_the_published_development_keys(
    tmp_path: Path,
) -> None:
    url = "postgresql://u:p@db:5432/sukuma"
    with pytest.raises(SystemExit, match="SUKUMA_SECRET_KEY and SUKUMA_MASTER_KEY"):
        make_settings(database_url=url, data_dir=tmp_path).with_startup_keys()
    with pytest.raises(SystemExit, match="SUKUMA_MASTER_KEY"):
        make_settings(database_url=url, secret_key="s" * 64).with_startup_keys()
    explicit = make_settings(database_url=url, secret_key="s" * 64, master_key="m" * 64)
    assert explicit.with_startup_keys() is explicit
    assert not (tmp_path / "keys.json").exists()


def test_an_embedded_install_generates_its_keys_once_and_keeps_them(tmp_path: Path) -> None:
    first = make_settings(data_dir=tmp_path / "data").with_startup_keys()
    again = make_settings(data_dir=tmp_path / "data").with_startup_keys()
    other = make_settings(data_dir=tmp_path / "elsewhere").with_startup_keys()

    assert not first.uses_dev_secret_key and not first.uses_dev_master_key
    assert first.secret_key == again.secret_key and first.master_key == again.master_key
    assert first.master_key != other.master_key
    assert (tmp_path / "data" / "keys.json").stat().st_mode & 0o777 == 0o600
    # An explicit key wins over the generated one
    chosen = make_settings(data_dir=tmp_path / "data", master_key="m" * 64).with_startup_keys()
    assert chosen.master_key.get_secret_value() == "m" * 64
    assert chosen.secret_key == first.secret_key


def test_an_embedded_database_from_before_generated_keys_keeps_its_master_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "pg").mkdir()  # data written under the development master key
    settings = make_settings(data_dir=tmp_path).with_startup_keys()
    assert settings.uses_dev_master_key and not settings.uses_dev_secret_key


def test_rotating_an_embedded_install_keeps_the_old_master_key_until_it_is_finished(
    tmp_path: Path,
) -> None:
    before = make_settings(data_dir=tmp_path).with_startup_keys()
    old = before.master_key.get_secret_value()

    begin_local_rotation(tmp_path)
    during = make_settings(data_dir=tmp_path).with_startup_keys()
    begin_local_rotation(tmp_path)  # a rotation cut off and run again: the same new key
    resumed = make_settings(data_dir=tmp_path).with_startup_keys()
    finish_local_rotation(tmp_path)
    after = make_settings(data_dir=tmp_path).with_startup_keys()

    new = during.master_key.get_secret_value()
    assert new != old and len(new) == 64
    assert during.previous_master_keys == [old]
    assert resumed.master_key == during.master_key and resumed.previous_master_keys == [old]
    assert after.master_key == during.master_key and after.previous_master_keys == []
    assert after.secret_key == before.secret_key  # sessions survive the rotation
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.tmp"))


def test_the_previous_master_key_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUKUMA_MASTER_KEY_PREVIOUS", "p" * 64)
    assert make_settings().previous_master_keys == ["p" * 64]
    monkeypatch.setenv("SUKUMA_MASTER_KEY_PREVIOUS", "")  # as docker-compose passes it unset
    assert make_settings().previous_master_keys == []
    monkeypatch.delenv("SUKUMA_MASTER_KEY_PREVIOUS")
    assert make_settings().previous_master_keys == []


def test_a_projector_process_keeps_a_small_event_store_pool_unless_one_is_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve projector processes with the API's pool of 10 each opened more connections than
    PostgreSQL's default 100."""
    from sukuma.projector import PROJECTOR_POOL_SIZE, projector_settings

    monkeypatch.delenv("SUKUMA_WRITE_POOL_SIZE", raising=False)
    monkeypatch.delenv("SUKUMA_WRITE_POOL_MAX_OVERFLOW", raising=False)
    settings = projector_settings(Settings(_env_file=None))
    assert (
        settings.write_pool_size
        == PROJECTOR_POOL_SIZE
        < Settings.model_fields["write_pool_size"].default
    )
    monkeypatch.setenv("SUKUMA_WRITE_POOL_SIZE", "7")
    chosen = projector_settings(Settings(_env_file=None))
    assert chosen.write_pool_size == 7
    assert chosen.write_pool_max_overflow == settings.write_pool_max_overflow
