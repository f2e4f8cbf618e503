"""A tiny ASGI app that answers with its process id: which worker served a connection."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


def create() -> Callable[..., Awaitable[None]]:
    async def app(
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        body = str(os.getpid()).encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def create_slowly() -> Callable[..., Awaitable[None]]:
    """The same app from a worker that takes seconds to start (an app building its pools)."""
    import time

    time.sleep(3)
    return create()
