"""``sukuma users add / list / deactivate`` against a real database."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from adapters.passwords import verify_password
from domain.sukuma import Sukuma
from domain.users.names import USERNAME_RULE
from sukuma.cli import cli
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY


def test_users_are_added_listed_and_deactivated(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    runner = CliRunner()
    add = [
        "users", "add", "thandi", "--role", "convener", "--role", "field_worker",
        "--scope", "ward:KZN225-W001", "--password-stdin",
    ]  # fmt: skip

    added = runner.invoke(cli, add, input="a-long-password\n")
    again = runner.invoke(cli, add, input="another-password\n")
    short = runner.invoke(cli, ["users", "add", "sipho", "--role", "analyst", "--password-stdin"],
                          input="short\n")  # fmt: skip
    deactivated = runner.invoke(cli, ["users", "deactivate", "thandi"])
    listed = runner.invoke(cli, ["users", "list"])

    assert added.exit_code == 0, added.output
    assert again.exit_code == 1  # the name is taken
    assert short.exit_code == 1
    assert deactivated.exit_code == 0, deactivated.output
    assert "thandi" in listed.stdout and "convener, field_worker" in listed.stdout
    user = application.user_named("thandi")
    assert not user.active
    assert verify_password(user.password_hash, "a-long-password")
    assert "a-long-password" not in user.password_hash


#: Names both ways of adding a user refuse, and what the message must name.
REFUSED = {
    "demo-\u0430dmin": "U+0430 CYRILLIC SMALL LETTER A",  # reads as demo-admin
    "\uff54\uff48\uff41\uff4e\uff44\uff49": "U+FF54 FULLWIDTH LATIN SMALL LETTER T",  # NFKC: thandi
    "\u212aelvin": "U+212A KELVIN SIGN",  # lower() makes it "kelvin"
    "thandi\u200b": "U+200B ZERO WIDTH SPACE",
    "thandi\x00": "U+0000",
    "tha ndi": "U+0020 SPACE",
    "thandi\n": "U+000A",
    "x": "has 1 characters",
    "a" * 65: "has 65 characters",
    "-thandi": "starts with '-'",
    "@thandi": "starts with '@'",
}


async def test_the_cli_and_the_api_refuse_the_same_names_with_the_same_message(
    fresh_db_url: str,
    application: Sukuma,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    runner = CliRunner()
    body = {"roles": ["analyst"], "scopes": ["province:KZN"], "password": "a-long-password"}

    for name, named in REFUSED.items():
        by_cli = runner.invoke(
            cli, ["users", "add", "--role", "analyst", "--password-stdin", "--", name],
            input="a-long-password\n",
        )  # fmt: skip
        by_api = await client.post("/v1/users", json={**body, "username": name})

        assert by_cli.exit_code == 1, (name, by_cli.output)
        assert by_api.status_code == 422, (name, by_api.text)
        api_message = by_api.json()["detail"][0]["msg"]
        assert USERNAME_RULE in by_cli.output and named in by_cli.output, (name, by_cli.output)
        assert USERNAME_RULE in api_message and named in api_message, (name, api_message)
    assert {u.username for u in application.users()} == {"tester"}  # nothing was added


async def test_a_name_is_stored_in_lower_case_by_either_way(
    fresh_db_url: str,
    application: Sukuma,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    body = {"roles": ["analyst"], "scopes": ["province:KZN"], "password": "a-long-password"}

    by_cli = CliRunner().invoke(
        cli, ["users", "add", "Thandi.M@ward-1", "--role", "analyst", "--password-stdin"],
        input="a-long-password\n",
    )  # fmt: skip
    by_api = await client.post("/v1/users", json={**body, "username": "Zanele_K"})

    assert by_cli.exit_code == 0, by_cli.output
    assert by_api.status_code == 201, by_api.text
    names = {u.username for u in application.users()}
    assert names == {"tester", "thandi.m@ward-1", "zanele_k"}
