"""Freshness of every read: the views' position against the log head, and read-your-writes.

A read may carry ``?min_position=`` (a write's answer gives it): the read then waits briefly
until the views include that position, and says so if they still do not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Response

from api.deps import ReadPool
from api.schemas.views import FreshnessRead
from projections.nerve_centre.tables import TRACKING as NERVE_CENTRE_TRACKING
from projections.scoping import Db
from projections.status import positions

WAIT_SECONDS = 2.0  # how long a read waits for ?min_position=
POLL_SECONDS = 0.05


MinPosition = Annotated[
    int | None,
    Query(ge=0, description="Wait (up to 2 s) until the views include this log position"),
]


async def freshness(pool: Db, tracking: str, min_position: int | None = None) -> FreshnessRead:
    """The view tracked in ``tracking``: its position against the log head, after waiting (up
    to ``WAIT_SECONDS``) for ``min_position``."""
    position, head = await positions(pool, tracking)
    if min_position is not None and position < min_position:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while position < min_position and loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            position, head = await positions(pool, tracking)
    return freshness_at(position, head, min_position)


def freshness_at(position: int, head: int, min_position: int | None = None) -> FreshnessRead:
    """A view at ``position`` of the log whose head is ``head``: how far behind, and whether it
    still lacks ``min_position`` (the write a reader asked to see)."""
    return FreshnessRead(
        position=position,
        head=head,
        lag_events=max(0, head - position),
        stale=min_position is not None and position < min_position,
    )


def freshness_of(tracking: str) -> Callable[..., Awaitable[FreshnessRead]]:
    """The dependency that reports (and waits for) the freshness of the view tracked in
    ``tracking``: the nerve centre's for most reads, a view's own for that view's reads."""

    async def read_freshness(
        response: Response, pool: ReadPool, min_position: MinPosition = None
    ) -> FreshnessRead:
        """The view's position against the log head, after waiting for ``min_position``."""
        fresh = await freshness(pool, tracking, min_position)
        response.headers.update(freshness_headers(fresh))
        return fresh

    return read_freshness


read_freshness = freshness_of(NERVE_CENTRE_TRACKING)


def freshness_headers(fresh: FreshnessRead) -> dict[str, str]:
    headers = {"X-Sukuma-Position": str(fresh.position), "X-Sukuma-Head": str(fresh.head)}
    if fresh.stale:
        headers["X-Sukuma-Stale"] = "true"
    return headers


Fresh = Annotated[FreshnessRead, Depends(read_freshness)]
