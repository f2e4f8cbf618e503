"""``bench.web``'s reuse of a filled database: ``--database-url`` migrates it first (a 3M fill
kept from an earlier release gets this release's indexes), and ``--keep`` refuses the
embedded server, which is deleted when the run ends."""

from __future__ import annotations

import sys

import pytest

from adapters.migrations import check_schema, latest_version
from bench import web


def test_a_kept_database_is_migrated_before_its_pages_are_timed(
    blank_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a database no release has migrated yet (as one kept before new migrations)
    argv = ["bench.web", "--database-url", blank_db_url, "--only", "no such page"]
    monkeypatch.setattr(sys, "argv", [*argv, "--repeat", "1"])

    # When bench.web measures on it
    web.main()

    # Then it was migrated to this release's schema first (and its users signed in)
    assert check_schema(blank_db_url, "public") == latest_version()
    assert "slowest page p95" in capsys.readouterr().out


def test_keep_needs_a_server_that_outlives_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["bench.web", "--households", "1000", "--keep"])
    with pytest.raises(SystemExit) as refused:
        web.main()
    assert refused.value.code == 2
