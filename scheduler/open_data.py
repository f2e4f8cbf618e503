"""The open-data job: release each closed month once (``projections.open_data.release``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from projections.open_data.release import Publisher

log = logging.getLogger(__name__)


class PublishOpenData:
    """Idempotent: a month already released (by this or another replica) is left as it is."""

    def __init__(self, publisher: Publisher, clock: Callable[[], datetime]) -> None:
        self.publisher, self.clock = publisher, clock

    async def __call__(self) -> None:
        try:
            months = await asyncio.to_thread(self.publisher.publish_due, self.clock())
        except Exception:  # logged and tried again on the next run; never stops the scheduler
            log.exception("open-data release failed")
            return
        for month in months:
            log.info("open data: released %s", f"{month:%Y-%m}")
