"""The early-warning sweep job: run one sweep off the event loop (the write side blocks)."""

from __future__ import annotations

import asyncio
import logging

from scheduler.sweep import Sweeper

log = logging.getLogger(__name__)


async def sweep(sweeper: Sweeper) -> None:
    """Sweep every enabled rule; log what changed (a failure is logged, never raised)."""
    try:
        summary = await asyncio.to_thread(sweeper.run)
    except Exception:
        log.exception("early-warning sweep failed")
        return
    if summary.skipped:
        log.debug("sweep skipped: another scheduler is sweeping")
    else:
        log.info("early-warning sweep: %s", summary.total())
