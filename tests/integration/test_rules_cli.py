"""``sukuma rules run [RULE]``: one sweep now, with a summary of what it did."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from sukuma.cli import cli
from sukuma.settings import Settings
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY
from tests.integration.helpers import household, need


async def test_rules_run_sweeps_once_and_summarises(
    client: httpx.AsyncClient, settings: Settings, ward_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.database_url is not None
    monkeypatch.setenv("SUKUMA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    for _ in range(5):  # five new water needs in one ward this week: a spike
        await need(client, await household(client, ward_id), category="water", severity="low")

    first = CliRunner().invoke(cli, ["rules", "run", "EW-13"])
    again = CliRunner().invoke(cli, ["rules", "run", "EW-13"])
    unknown = CliRunner().invoke(cli, ["rules", "run", "EW-99"])

    assert first.exit_code == 0, first.output
    assert "EW-13" in first.output and "raised     1" in first.output
    assert "'raised': 0" in again.output
    assert unknown.exit_code == 2
