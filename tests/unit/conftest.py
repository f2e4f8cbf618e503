"""Fixtures of the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.sukuma import Sukuma


@pytest.fixture
def popo_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sukuma]:
    """The application on in-memory persistence (no database)."""
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    application = Sukuma()
    yield application
    application.close()
