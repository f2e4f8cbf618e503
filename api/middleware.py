"""Plain ASGI middleware around every request: a body size limit, and the headers every
answer carries (no sniffing; no caching of personal data)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """The body went past the limit while it was being read (no or a false Content-Length).

    An HTTPException, so that FastAPI's body reader passes it on as the 413 it is instead of
    answering "error parsing the body" (400). Connection: close, since the unread rest of the
    body would otherwise be taken for the next request on this connection."""

    def __init__(self, max_bytes: int) -> None:
        detail = f"the request body is over the limit of {max_bytes} bytes"
        super().__init__(413, detail, headers={"Connection": "close"})


class BodyLimit:
    """413 for a request body over ``max_bytes``, before anything parses it: at once when
    Content-Length says so, else as soon as the bytes read pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await self._refuse(scope, receive, send)
                return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = BodyTooLarge(self.max_bytes)
        answer = JSONResponse({"detail": refusal.detail}, status_code=413, headers=refusal.headers)
        await answer(scope, receive, send)


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` on every answer, and ``Cache-Control: no-store``
    on every /v1 answer that does not say itself how it may be cached: tokens (RFC 6749
    5.1) and personal data must not stay in a shared or browser cache."""

    def __init__(self, app: ASGIApp, no_store_prefix: str = "/v1/") -> None:
        self.app = app
        self.prefix = no_store_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith(self.prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                if no_store and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
