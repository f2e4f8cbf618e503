"""The early-warning sweep job: run one sweep off the event loop (the write side blocks)."""

from __future__ import annotations

import asyncio
import logging

from scheduler.sweeper import Sweeper

log = logging.getLogger(__name__)


async def sweep(sweeper: Sweeper, full: bool = False) -> None:
    """Sweep every enabled rule; log what changed (a failure is logged, never raised).

    ``full`` reconciles every match with every open alert instead of looking only at what
    changed since the last sweep (see ``scheduler.marks``).
    """
    try:
        summary = await asyncio.to_thread(sweeper.run, full=full)
    except Exception:
        log.exception("early-warning sweep failed")
        return
    if summary.skipped:
        log.debug("sweep skipped: another scheduler is sweeping")
    else:
        log.info("early-warning %s sweep: %s", "full" if full else "", summary.total())
