"""The app's routes as served: path (with router prefixes), methods and the route itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

#: Answer without a token: sign-in, health probes (and the docs, which are not API routes).
#: /v1/me is listed by the auth router but reads the token it needs.
PUBLIC = {
    ("POST", "/v1/auth/token"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    # open data: published releases only (api.routers.open_data)
    ("GET", "/open/v1/dictionary"),
    ("GET", "/open/v1/releases"),
    ("GET", "/open/v1/releases/{month}/{measure}"),
    # citizen feedback: the code (or the gateway's signature) is the authority
    ("POST", "/open/v1/feedback"),
    ("POST", "/open/v1/feedback/sms"),
}


def field_app(path: str) -> bool:
    """The OpenRosa routes (ODK Collect): HTTP Basic or a device token in the URL, never the
    bearer token (tested in test_openrosa_api)."""
    return path.startswith(("/openrosa/", "/key/"))


@dataclass(frozen=True)
class Served:
    method: str
    path: str
    route: APIRoute


def served_routes(api: FastAPI) -> Iterator[Served]:
    """Every API route with its full path (included routers are resolved lazily)."""
    for context in iter_route_contexts(api.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            for method in sorted(context.methods or ()):
                yield Served(method, context.path, route)
