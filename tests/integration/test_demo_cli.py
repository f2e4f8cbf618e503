"""``sukuma demo`` against a real database: it loads into a log without case data only."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from domain.sukuma import Sukuma
from sukuma.cli import cli
from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY


def test_a_second_demo_is_refused_up_front_and_writes_nothing(
    fresh_db_url: str, application: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUKUMA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("SUKUMA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("SUKUMA_MASTER_KEY", TEST_MASTER_KEY)
    runner = CliRunner()
    # A user added first (the usual bootstrap) is not case data: the demo still loads.
    added = runner.invoke(
        cli, ["users", "add", "admin", "--role", "admin", "--password-stdin"],
        input="a-long-password\n",
    )  # fmt: skip

    first = runner.invoke(cli, ["demo", "--households", "20"])
    events = application.recorder.max_notification_id()
    again = runner.invoke(cli, ["demo", "--households", "30"])  # the same seed: ids collide
    skipped = runner.invoke(cli, ["demo", "--households", "20", "--if-empty"])

    assert added.exit_code == 0, added.output
    assert first.exit_code == 0, first.output
    assert again.exit_code == 1, again.output
    assert "already holds case data" in again.output
    assert again.exception is None or isinstance(again.exception, SystemExit)  # no traceback
    assert skipped.exit_code == 0 and "demo not loaded" in skipped.output
    assert application.recorder.max_notification_id() == events  # nothing more written
