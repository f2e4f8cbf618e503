"""Requests per client address for the public routes (``limits``' moving window, in memory).

Each API process counts its own clients: behind a proxy spreading clients over N replicas a
client may get up to N times the rate. The address is the connection's, or a trusted proxy's
``X-Forwarded-For`` (``SUKUMA_TRUSTED_PROXIES``), as for the sign-in throttle.
"""

from __future__ import annotations

import time
from math import ceil

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class ClientRateLimit:
    """A FastAPI dependency: 429 with ``Retry-After`` once an address is over the rate."""

    def __init__(self, namespace: str, rate: str) -> None:
        self.namespace = namespace
        self.item: RateLimitItem = parse(rate)  # e.g. "120/minute"
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def __call__(self, request: Request) -> None:
        address = request.client.host if request.client else "unknown"
        if self.limiter.hit(self.item, self.namespace, address):
            return
        stats = self.limiter.get_window_stats(self.item, self.namespace, address)
        retry_after = max(1, ceil(stats.reset_time - time.time()))
        raise HTTPException(
            429, "too many requests from this address", headers={"Retry-After": str(retry_after)}
        )


def open_data_limit(request: Request) -> None:
    """The app's limit of the public routes (``/open/v1``), set up by ``api.main``."""
    request.app.state.open_data_limit(request)
