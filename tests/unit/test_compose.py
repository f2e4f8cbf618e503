"""docker-compose.yml describes the multi-process deployment (checked without a Docker engine)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DATABASE_URL = "postgresql://sukuma:sukuma@db:5432/sukuma"


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def test_the_roles_are_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"db", "migrate", "api", "projector", "scheduler"}


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
        ("projector", ["sukuma", "project"]),
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
    for role in ("api", "projector", "scheduler"):
        assert services[role]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_every_service_command_is_a_real_cli_command(services: dict[str, dict[str, Any]]) -> None:
    from typer.testing import CliRunner

    from sukuma.cli import cli

    for name, config in services.items():
        if "command" not in config:
            continue
        result = CliRunner().invoke(cli, [*config["command"][1:], "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_api_publishes_port_8000_and_checks_healthz(services: dict[str, dict[str, Any]]) -> None:
    api = services["api"]
    assert "8000:8000" in api["ports"]
    assert "/healthz" in " ".join(api["healthcheck"]["test"])


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
    for name in ("api", "projector", "scheduler"):
        environment = services[name]["environment"]
        for key in ("SUKUMA_SECRET_KEY", "SUKUMA_MASTER_KEY"):
            assert environment[key].startswith(f"${{{key}:?"), (name, key)
