"""How fresh the view behind a page is, read beside the page's own reads rather than before them.

The API reads a view's freshness in a dependency, so before the endpoint's query: two round
trips one after the other. A page shows it only as a line over its list (``stale`` in
``macros.html``), so it reads it at the same time as its rows, on another connection of the read
pool. After a write (``?min_position=``, as ``web.actions`` redirects) the page must show that
write: then it waits for the view first, as the API does, and reads once the view holds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends

from api.deps import ReadPool
from api.freshness import MinPosition, freshness
from api.schemas.views import FreshnessRead
from projections.nerve_centre.tables import TRACKING as NERVE_CENTRE_TRACKING
from projections.scoping import Db

T = TypeVar("T")


@dataclass(frozen=True)
class PageFreshness:
    pool: Db
    tracking: str
    min_position: int | None

    async def beside(self, read: Awaitable[T]) -> tuple[FreshnessRead, T]:
        """The view's freshness and what ``read`` returns: both at once, or the read once the
        view holds the write the page must show (read-your-writes)."""
        fresh = freshness(self.pool, self.tracking, self.min_position)
        if self.min_position is not None:
            waited = await fresh
            return waited, await read
        return await asyncio.gather(fresh, read)


def page_freshness(tracking: str) -> Callable[..., Awaitable[PageFreshness]]:
    """The dependency giving a page the freshness of the view tracked in ``tracking``."""

    async def of(pool: ReadPool, min_position: MinPosition = None) -> PageFreshness:
        return PageFreshness(pool, tracking, min_position)

    return of


#: The nerve centre's freshness, as ``api.freshness.Fresh`` reports it to most reads.
PageFresh = Annotated[PageFreshness, Depends(page_freshness(NERVE_CENTRE_TRACKING))]
