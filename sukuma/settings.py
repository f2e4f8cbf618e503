"""The one configuration object: ``SUKUMA_*`` environment variables (and ``.env``) → ``Settings``.

Nothing else in the code base reads ``os.environ``. The eventsourcing library is configured with
the dict that ``Settings.eventsourcing_env`` builds, never with process environment variables.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.database import parse_database_url

logger = logging.getLogger(__name__)

#: The event store recorder (events plus idempotency receipts in one transaction).
RECORDER_TOPIC = "adapters.event_store:SukumaRecorder"
#: The recorder that waits for each append's WAL flush under the table lock (setting off).
LOCKED_FLUSH_RECORDER_TOPIC = "adapters.event_store:LockedFlushRecorder"

#: Encrypts personal fields with per-household data keys (crypto-shredding, POPIA).
MAPPER_TOPIC = "adapters.shredding:PersonalDataMapper"
TRANSCODER_TOPIC = "adapters.transcoder:OrjsonTranscoder"

#: Used when no SUKUMA_SECRET_KEY is set: fine on a laptop, never in production.
DEV_SECRET_KEY = "sukuma-dev-secret-key-change-me-in-production"

#: Used when no SUKUMA_MASTER_KEY is set: fine on a laptop, never in production.
DEV_MASTER_KEY = "sukuma-dev-master-key-change-me-in-production"

#: Where an embedded-database install keeps the keys generated for it (mode 0600).
KEYS_FILE = "keys.json"

_warned_dev_secret = False
_warned_dev_master_key = False


class Settings(BaseSettings):
    """Sukuma's settings; each field is the ``SUKUMA_<FIELD>`` environment variable."""

    model_config = SettingsConfigDict(
        env_prefix="SUKUMA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset → an embedded server under data_dir"
    )
    database_schema: str = Field(
        default="public", description="Schema for the event store and views (URL ?schema= wins)"
    )
    data_dir: Path = Field(default=Path(".sukuma-data"), description="Embedded PostgreSQL data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_workers: int = Field(
        default=1, ge=1, le=64, description="API processes for `sukuma serve` (one per core)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    telemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry spans and metrics (needs a configured SDK)",
    )
    occurred_at_window_days: int = Field(
        default=90, ge=0, description="How far back a command's occurred_at may be backdated"
    )
    write_pool_size: int = Field(default=10, ge=1, description="Event store connections kept")
    write_pool_max_overflow: int = Field(default=10, ge=0, description="Extra under load")
    write_pool_timeout: float = Field(
        default=0.3,
        gt=0,
        le=30,
        description="Seconds each of the event store's 10 tries waits for a connection",
    )
    write_pool_reconnect_timeout: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Seconds the event store's pool keeps retrying a lost connection (backing "
        "off 1, 2, 4 s...) before it lets the next request try afresh: bounds how long the "
        "service stays down after the database is back",
    )
    read_pool_min_size: int = Field(default=2, ge=0, description="asyncpg read pool minimum")
    read_pool_max_size: int = Field(default=10, ge=1, description="asyncpg read pool maximum")
    database_connect_timeout: int = Field(
        default=2,
        ge=1,
        description="Seconds a request waits for a database connection (new or pooled); "
        "the event store tries 10 times before the request answers 503",
    )
    database_command_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a read-side query may run before it is a 503"
    )
    database_lock_timeout: int = Field(
        default=0, ge=0, description="Seconds to wait for the event table's lock (0 = no limit)"
    )
    append_flush_outside_lock: bool = Field(
        default=True,
        description="Commit appends without a WAL flush under the table lock, then flush",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET_KEY), description="Signs tokens; set it in production"
    )
    access_token_minutes: int = Field(default=15, ge=1, description="Access token lifetime")
    refresh_token_hours: int = Field(default=12, ge=1, description="Refresh token lifetime")
    user_state_cache_seconds: float = Field(
        default=10.0, ge=0, description="How long a user's active/generation check is cached"
    )
    login_window_seconds: int = Field(
        default=900, ge=1, description="Sliding window over which failed logins are counted"
    )
    login_max_failures_per_user: int = Field(default=5, ge=1, description="Per user name")
    login_max_failures_per_address: int = Field(default=20, ge=1, description="Per client")
    password_checks: int = Field(
        default=1, ge=1, description="Password sign-ins checked at once per API process"
    )
    idempotency_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a retry waits for the first request with its Idempotency-Key",
    )
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Larger request bodies are refused (413)"
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (default none: the connection's address counts)",
    )
    oidc_issuer: str | None = Field(
        default=None, description="Also accept access tokens from this OpenID Connect issuer"
    )
    oidc_jwks_url: str | None = Field(default=None, description="The issuer's JWKS URL")
    oidc_audience: str = Field(default="sukuma", description="Audience its tokens must name")
    oidc_roles_claim: str = Field(default="sukuma_roles", description="Claim with the roles")
    oidc_scopes_claim: str = Field(default="sukuma_scopes", description="Claim with the scopes")
    oidc_client_id: str | None = Field(
        default=None,
        description="The web pages' client at that issuer: set, the sign-in page offers the "
        "provider (authorization code with PKCE)",
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="That client's secret (unset: a public client, PKCE only)"
    )

    master_key: SecretStr = Field(
        default=SecretStr(DEV_MASTER_KEY),
        description="Wraps the households' data keys; set it in production, keep it safe",
    )
    master_key_previous: SecretStr | None = Field(
        default=None,
        description="While rotating the master key: the old one, so keys it wraps stay "
        "readable until `sukuma keys rotate` has rewrapped them",
    )

    reference_data_file: Path | None = Field(
        default=None,
        description="TOML service catalogue (departments, NGOs, service standards) until an "
        "administrator first changes it (default: domain/reference/data/service_catalogue.toml)",
    )

    # ---- readiness (/readyz) ----
    ready_max_lag_events: int = Field(
        default=5000, ge=0, description="/readyz answers 503 when a view is more events behind"
    )
    ready_heartbeat_seconds: float = Field(
        default=60.0, gt=0, description="A projector silent this long while behind is dead"
    )
    ready_timeout_seconds: float = Field(
        default=2.0, gt=0, description="/readyz answers 503 when the database takes longer"
    )

    # ---- early warnings: rules, scheduler, notifications ----
    rules_file: Path | None = Field(
        default=None, description="TOML rules file (default: scheduler/rules/rules.toml)"
    )
    sweep_cron: str | None = Field(
        default=None, description="Crontab for the early-warning sweep (wins over the interval)"
    )
    sweep_interval_seconds: int = Field(
        default=900, ge=1, description="Seconds between early-warning sweeps"
    )
    sweep_full_cron: str = Field(
        default="30 2 * * *", description="Crontab (UTC) of the daily full reconciliation sweep"
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for alert emails")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = Field(default="sukuma@localhost", description="From: of alert emails")
    notify_attempts: int = Field(default=4, ge=1, description="Tries per alert notification")
    notify_backoff_seconds: float = Field(
        default=2.0, ge=0, description="First retry delay, doubled on each retry"
    )
    notify_timeout_seconds: float = Field(default=10.0, gt=0, description="Per webhook call")
    notify_pause_seconds: float = Field(
        default=120.0, ge=0, description="Skip a subscriber's notices this long after one failed"
    )

    # ---- open data (/open/v1) ----
    open_data_k: int = Field(
        default=5, ge=3, description="Open-data cells counting fewer households are suppressed"
    )
    open_data_grace_days: int = Field(
        default=7, ge=0, description="Days after a month ends before its release is frozen"
    )
    open_data_rate_limit: str = Field(
        default="120/minute", description="Open-data requests per client address and process"
    )
    feedback_code_days: int = Field(
        default=60, ge=1, description="Days a delivered referral's feedback code stays valid"
    )
    feedback_max_failures_per_address: int = Field(
        default=10, ge=1, description="Wrong feedback codes per client within the login window"
    )
    sms_webhook_secret: SecretStr | None = Field(
        default=None, description="Shared secret of the inbound SMS/USSD gateway's webhook"
    )
    sms_gateway_url: str | None = Field(
        default=None, description="Outbound SMS gateway's webhook: feedback codes (unset: none)"
    )
    sms_gateway_secret: SecretStr | None = Field(
        default=None, description="Signs the outbound SMS gateway's requests"
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.read_pool_min_size > self.read_pool_max_size:
            raise ValueError("read_pool_min_size must not exceed read_pool_max_size")
        if bool(self.oidc_issuer) != bool(self.oidc_jwks_url):
            raise ValueError("set both oidc_issuer and oidc_jwks_url, or neither")
        if self.oidc_client_id and not self.oidc_issuer:
            raise ValueError("oidc_client_id needs oidc_issuer and oidc_jwks_url")
        global _warned_dev_secret, _warned_dev_master_key
        if self.uses_dev_secret_key and self.database_url and not _warned_dev_secret:
            _warned_dev_secret = True
            logger.warning("SUKUMA_SECRET_KEY is not set: using the development key")
        if self.uses_dev_master_key and self.database_url and not _warned_dev_master_key:
            _warned_dev_master_key = True
            logger.warning("SUKUMA_MASTER_KEY is not set: using the development key")
        return self

    def with_startup_keys(self) -> Settings:
        """These settings for a process about to start: never the published development keys.

        Against ``SUKUMA_DATABASE_URL`` a development key is refused (``SystemExit`` with the
        reason). With the embedded database, keys generated once for this data directory
        (``<data_dir>/keys.json``, mode 0600) take their place, so data survives restarts.
        """
        missing = [
            name
            for name, is_dev in (
                ("SUKUMA_SECRET_KEY", self.uses_dev_secret_key),
                ("SUKUMA_MASTER_KEY", self.uses_dev_master_key),
            )
            if is_dev
        ]
        if not missing:
            return self
        if self.database_url:
            raise SystemExit(
                f"sukuma: refusing to start: {' and '.join(missing)} not set (the development "
                "default is published in the source). Set each, e.g. `openssl rand -hex 32`, and "
                "keep SUKUMA_MASTER_KEY: it unlocks the stored personal data."
            )
        keys = local_keys(self.data_dir)
        update: dict[str, SecretStr] = {}
        if self.uses_dev_secret_key:
            update["secret_key"] = SecretStr(keys["secret_key"])
        if self.uses_dev_master_key:
            update["master_key"] = SecretStr(keys["master_key"])
            # A rotation of this data directory's key that has not finished yet.
            if self.master_key_previous is None and keys.get("previous_master_key"):
                update["master_key_previous"] = SecretStr(keys["previous_master_key"])
        return self.model_copy(update=update)

    @property
    def previous_master_keys(self) -> list[str]:
        """The master keys data keys may still be wrapped by, besides the current one."""
        previous = self.master_key_previous
        # Empty counts as unset (docker-compose passes an unset variable through as "").
        return [previous.get_secret_value()] if previous and previous.get_secret_value() else []

    @property
    def uses_dev_master_key(self) -> bool:
        return self.master_key.get_secret_value() == DEV_MASTER_KEY

    @property
    def uses_dev_secret_key(self) -> bool:
        return self.secret_key.get_secret_value() == DEV_SECRET_KEY

    def schema_for(self, database_url: str) -> str:
        """The schema the event store uses: the URL's ``?schema=`` or ``database_schema``."""
        return parse_database_url(database_url).schema or self.database_schema

    def eventsourcing_env(self, database_url: str) -> dict[str, str]:
        """The eventsourcing environment for the application (and its projections).

        Keys are unprefixed, so the application (``SUKUMA_…`` lookups fall back to them) and
        each projection runner's view (``<PROJECTION>_…``) share one database.
        """
        params = parse_database_url(database_url)
        catalogue = {"REFERENCE_DATA_FILE": str(self.reference_data_file)}
        return {
            **(catalogue if self.reference_data_file else {}),
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": (
                RECORDER_TOPIC if self.append_flush_outside_lock else LOCKED_FLUSH_RECORDER_TOPIC
            ),
            "MAPPER_TOPIC": MAPPER_TOPIC,
            "TRANSCODER_TOPIC": TRANSCODER_TOPIC,
            "POSTGRES_DBNAME": params.dbname,
            "POSTGRES_HOST": params.host,
            "POSTGRES_PORT": params.port,
            "POSTGRES_USER": params.user,
            "POSTGRES_PASSWORD": params.password,
            "POSTGRES_SCHEMA": params.schema or self.database_schema,
            "POSTGRES_POOL_SIZE": str(self.write_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.write_pool_max_overflow),
            "POSTGRES_CONNECT_TIMEOUT": str(self.database_connect_timeout),
            "POSTGRES_LOCK_TIMEOUT": str(self.database_lock_timeout),
            # A pooled connection is checked before use: none left dead by a restart is used.
            "POSTGRES_PRE_PING": "y",
            # Tables come from `sukuma migrate` (adapters.migrations), never from a start.
            "CREATE_TABLE": "n",
        }


def local_keys(data_dir: Path) -> dict[str, str]:
    """The keys of an embedded-database install, generated on first use (mode 0600).

    A data directory whose database predates this file was written under the development
    master key: that one is kept (with a warning) so its personal data stays readable.
    """
    data_dir = data_dir.expanduser()
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEYS_FILE
    try:
        keys = json.loads(path.read_text())
        found = {"secret_key": str(keys["secret_key"]), "master_key": str(keys["master_key"])}
        if keys.get("previous_master_key"):
            found["previous_master_key"] = str(keys["previous_master_key"])
        return found
    except FileNotFoundError:
        pass
    master = secrets.token_hex(32)
    if (data_dir / "pg").exists():
        logger.warning(
            "%s: the embedded database predates generated keys; keeping the development "
            "master key for its data (re-create the data directory to replace it)",
            data_dir,
        )
        master = DEV_MASTER_KEY
    keys = {"secret_key": secrets.token_hex(32), "master_key": master}
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return local_keys(data_dir)
    with os.fdopen(fd, "w") as out:
        json.dump(keys, out)
    return keys


def load_settings() -> Settings:
    """The settings of a process that starts Sukuma (CLI commands, the ASGI factory)."""
    return Settings().with_startup_keys()
