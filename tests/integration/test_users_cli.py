"""``sukuma users add / list / deactivate`` against a real database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from adapters.passwords import verify_password
from domain.sukuma import Sukuma
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
