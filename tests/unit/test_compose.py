"""docker-compose.yml describes the multi-process deployment (checked without a Docker engine)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from projections.registry import PROJECTIONS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DATABASE_URL = "postgresql://sukuma:sukuma@db:5432/sukuma"


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


PROJECTORS = {f"projector-{name.replace('_', '-')}": name for name in PROJECTIONS}


def test_the_roles_are_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"db", "migrate", "api", "proxy", "scheduler", *PROJECTORS}


def test_database_is_postgres_17_with_a_volume_and_a_readiness_check(
    services: dict[str, dict[str, Any]],
) -> None:
    db = services["db"]
    assert db["image"] == "postgres:17"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.startswith("pgdata:") for volume in db["volumes"])
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    assert "pgdata" in compose["volumes"]


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("migrate", ["sukuma", "migrate"]),
        ("api", ["sukuma", "serve", "--no-projector", "--no-scheduler", "--host", "0.0.0.0"]),
        *[
            (service, ["sukuma", "project", "--projection", name])
            for service, name in PROJECTORS.items()
        ],
        ("scheduler", ["sukuma", "scheduler"]),
    ],
)
def test_each_role_runs_its_own_sukuma_command(
    services: dict[str, dict[str, Any]], service: str, command: list[str]
) -> None:
    config = services[service]
    assert config["command"] == command
    assert config["build"] == "."
    assert config["environment"]["SUKUMA_DATABASE_URL"] == DATABASE_URL
    assert config["depends_on"]["db"] == {"condition": "service_healthy"}


def test_the_schema_is_migrated_once_before_any_other_role_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    assert services["migrate"]["restart"] == "no"
    for role in ("api", "scheduler", *PROJECTORS):
        assert services[role]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_every_service_command_is_a_real_cli_command(services: dict[str, dict[str, Any]]) -> None:
    from typer.testing import CliRunner

    from sukuma.cli import cli

    for name, config in services.items():
        if config.get("command", [""])[0] != "sukuma":
            continue  # the database's own (its settings)
        result = CliRunner().invoke(cli, [*config["command"][1:], "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_each_projection_has_its_own_projector_after_a_healthy_api(
    services: dict[str, dict[str, Any]],
) -> None:
    """One process per read model: catch-up is not bound to one interpreter."""
    for service in PROJECTORS:
        assert services[service]["depends_on"]["api"] == {"condition": "service_healthy"}
    assert "projector" not in services  # no projector of every read model beside them


def test_two_api_replicas_checked_on_healthz_and_reached_only_through_the_proxy(
    services: dict[str, dict[str, Any]],
) -> None:
    api = services["api"]
    assert api["deploy"]["replicas"] == 2
    assert "ports" not in api  # replicas cannot share a published port; the proxy has it
    assert api["expose"] == ["8000"]
    assert "/healthz" in " ".join(api["healthcheck"]["test"])
    # The proxy passes the client's address: failed sign-ins are counted per address.
    assert api["environment"]["SUKUMA_TRUSTED_PROXIES"] == "*"


def test_the_proxy_is_nginx_least_connections_over_the_replicas(
    services: dict[str, dict[str, Any]],
) -> None:
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")  # the official image
    assert "8000:8000" in proxy["ports"]
    assert proxy["depends_on"]["api"] == {"condition": "service_healthy"}
    assert "/healthz" in " ".join(proxy["healthcheck"]["test"])
    mounted = {v.split(":")[0]: v.split(":")[1] for v in proxy["volumes"]}
    assert mounted["./deploy/nginx.conf"] == "/etc/nginx/nginx.conf"

    config = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", config, re.S)
    assert upstream is not None
    name, body = upstream.groups()
    assert "least_conn;" in body
    # Re-resolved: replicas scaled or restarted (new addresses) join without a reload.
    assert re.search(r"server api:8000 resolve;", body)
    assert f"proxy_pass http://{name};" in config
    assert "listen 8000;" in config
    # The client's address is set, never appended to what the client sent.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config


def test_dockerfile_runs_as_a_non_root_user_and_serves_on_8000() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("FROM python:3.11-slim")
    assert "\nUSER sukuma\n" in dockerfile
    assert "EXPOSE 8000" in dockerfile
    assert 'CMD ["sukuma", "serve", "--host", "0.0.0.0"]' in dockerfile


def _compose_cli_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


def test_docker_compose_accepts_the_file() -> None:
    if not _compose_cli_available():
        pytest.skip("the docker compose client is not installed")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_keys_have_no_published_default(services: dict[str, dict[str, Any]]) -> None:
    # Compose refuses to start (":?") rather than sign tokens or wrap data keys with a
    # key anyone can read in this file.
    for name in ("api", "scheduler", *PROJECTORS):
        environment = services[name]["environment"]
        for key in ("SUKUMA_SECRET_KEY", "SUKUMA_MASTER_KEY"):
            assert environment[key].startswith(f"${{{key}:?"), (name, key)


def test_every_pool_at_its_most_fits_in_the_servers_connections(
    services: dict[str, dict[str, Any]],
) -> None:
    """Each process opens its event-store pool's size at start and may grow by its overflow
    and the idempotency gate's lock connections: twelve projectors with the API's pool of 10
    opened 120 of PostgreSQL's default 100."""
    from sukuma.settings import Settings

    defaults = Settings.model_fields
    size = defaults["write_pool_size"].default
    overflow = defaults["write_pool_max_overflow"].default
    read = defaults["read_pool_max_size"].default

    def most(service: dict[str, Any], processes: int, reads: bool) -> int:
        env = service.get("environment", {})
        pool = int(env.get("SUKUMA_WRITE_POOL_SIZE", size))
        pool += int(env.get("SUKUMA_WRITE_POOL_MAX_OVERFLOW", overflow))
        # The idempotency gate adds a connection per lock holder it allows: half the pool.
        pool += max(1, pool // 2)
        return processes * (pool + (read if reads else 0))

    api = services["api"]
    workers = int(str(api["environment"]["SUKUMA_API_WORKERS"]).split(":-")[-1].rstrip("}"))
    total = most(api, api["deploy"]["replicas"] * workers, reads=True)
    total += most(services["scheduler"], 1, reads=True)
    total += sum(most(services[name], 1, reads=False) for name in PROJECTORS)
    total += most(services["migrate"], 1, reads=False)
    command = services["db"]["command"]
    limit = int(next(c.split("=")[1] for c in command if c.startswith("max_connections=")))
    assert total <= limit - 3  # PostgreSQL keeps 3 for superusers
