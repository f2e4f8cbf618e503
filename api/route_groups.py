"""Included routers that a request whose path cannot be theirs skips at once.

FastAPI checks every included route in turn, with no prefix shortcut, so a request paid for
every route before its own: a page for all the /v1 routes, an API read for the routers before
its own. A group answers ``Match.NONE`` from one set lookup when no route of its router can
match the path (the routes' regexes start with their literal segments), and otherwise matches
exactly as the router included straight into the app would: same order, same partial (405)
and redirect-slash answers, the same OpenAPI document, ``url_path_for`` and dependencies.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope

#: Literal segments a head keeps at most: enough to tell /v1's routers apart (/v1/referrals
#: from /v1/war-rooms); ``RouteGroup.matches`` looks up a path's first one and first two.
HEAD_SEGMENTS = 2


def head(path: str) -> tuple[str, ...]:
    """A route path's leading literal segments (up to ``HEAD_SEGMENTS``): every path its
    regex matches starts with them. ``/war-rooms/{room_id}`` -> ``("war-rooms",)``."""
    literal: list[str] = []
    for segment in path.split("/")[1 : HEAD_SEGMENTS + 1]:
        if "{" in segment:
            break
        literal.append(segment)
    return tuple(literal)


def route_path(scope: Scope) -> str:
    """The path the routes match: the request's, less the app's ``root_path`` (as Starlette's
    routes read it)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path != root and path[len(root)] == "/":
        return path[len(root) :]
    return "" if root and path == root else path


class RouteGroup(APIRouter):
    """An APIRouter holding included routers, matched only when the request path starts
    with the head of one of their routes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._heads: frozenset[tuple[str, ...]] | None = None
        # The heads as the lookups in ``matches`` want them: a first segment, "first/second".
        self._firsts: frozenset[str] = frozenset()
        self._pairs: frozenset[str] = frozenset()

    def include_router(self, *args: Any, **kwargs: Any) -> None:
        super().include_router(*args, **kwargs)
        self._heads = None  # indexed again at the next request (FastAPI resolves lazily too)

    def heads(self) -> frozenset[tuple[str, ...]]:
        if self._heads is None:
            paths = [c.path for c in iter_route_contexts(self.routes) if c.path is not None]
            heads = frozenset(head(p) for p in paths)
            self._firsts = frozenset(h[0] for h in heads if len(h) == 1)
            self._pairs = frozenset("/".join(h) for h in heads if len(h) == 2)
            self._heads = heads
        return self._heads

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if () in self.heads():  # a route whose first segment is a parameter: any path
            return super().matches(scope)
        path = route_path(scope) if scope.get("root_path") else scope["path"]
        segments = path.split("/", HEAD_SEGMENTS + 1)
        if len(segments) > 1 and (
            segments[1] in self._firsts
            or (len(segments) > 2 and f"{segments[1]}/{segments[2]}" in self._pairs)
        ):
            return super().matches(scope)
        return Match.NONE, {}


def include(app: FastAPI, router: APIRouter, **kwargs: Any) -> None:
    """``app.include_router(router, **kwargs)``, with the router behind a group's shortcut."""
    group = RouteGroup()
    group.include_router(router, **kwargs)
    app.include_router(group)
