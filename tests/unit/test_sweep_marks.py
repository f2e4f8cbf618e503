"""When a clock rule may sweep only what changed since its mark, and when it must sweep whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.marks import Mark, Positions, incremental

CUTOFF = datetime(2026, 12, 1, tzinfo=UTC)
MARK = Mark("EW-01", "v1", CUTOFF, CUTOFF, position=500, commands_position=520)
VIEWS = Positions(early_warning=600, alerts=530, nerve_centre=600)


def test_a_mark_whose_views_moved_on_allows_an_incremental_sweep() -> None:
    assert incremental(MARK, "v1", CUTOFF + timedelta(hours=1), VIEWS)
    assert incremental(MARK, "v1", CUTOFF, VIEWS._replace(early_warning=500, alerts=520))


@pytest.mark.parametrize(
    ("mark", "version", "cutoff", "views"),
    [
        pytest.param(None, "v1", CUTOFF, VIEWS, id="no mark yet"),
        pytest.param(MARK, "v2", CUTOFF, VIEWS, id="the rule changed"),
        pytest.param(MARK, "v1", CUTOFF - timedelta(seconds=1), VIEWS, id="the cutoff went back"),
        pytest.param(MARK, "v1", CUTOFF, VIEWS._replace(alerts=519), id="alerts not caught up"),
        pytest.param(
            MARK, "v1", CUTOFF, VIEWS._replace(early_warning=499), id="early warning went back"
        ),
    ],
)
def test_otherwise_the_sweep_is_full(
    mark: Mark | None, version: str, cutoff: datetime, views: Positions
) -> None:
    assert not incremental(mark, version, cutoff, views)
