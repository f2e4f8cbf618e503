"""The OpenRosa layer's answers to its own refusals, and the protocol header on every answer."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import route_groups
from api.openrosa import routes
from api.openrosa.auth import REALM, TokenRefused, Unauthorized, VerifiedCredentials
from api.openrosa.routes import FormNotFound, openrosa_response

VERSION_HEADER = (b"x-openrosa-version", b"1.0")


class OpenRosaVersion:
    """``X-OpenRosa-Version: 1.0`` on every answer under an OpenRosa path (its 401, 413 and
    429 too, which other layers write), as the specification asks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "/openrosa/" not in scope["path"]:
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), VERSION_HEADER]
            await send(message)

        await self.app(scope, receive, send_with_header)


def _unauthorized(_: Request, exc: Exception) -> Response:
    return openrosa_response(401, str(exc), {"WWW-Authenticate": REALM})


def _token_refused(_: Request, exc: Exception) -> Response:
    return openrosa_response(403, str(exc))


def _not_found(_: Request, exc: Exception) -> Response:
    return openrosa_response(404, f"no form {exc} for you")


def install(app: FastAPI) -> None:
    """Serve the OpenRosa routes (outside the token-authenticated /v1 routers)."""
    app.state.openrosa_credentials = VerifiedCredentials(
        app.state.settings.user_state_cache_seconds
    )
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(TokenRefused, _token_refused)
    app.add_exception_handler(FormNotFound, _not_found)
    route_groups.include(app, routes.router)
    app.add_middleware(OpenRosaVersion)
