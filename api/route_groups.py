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
    """A router's routes (the same route objects: a route bakes its router's tags,
    dependencies and responses in when it is declared), matched only when the request path
    starts with the head of one of them. Not a router included in a router: FastAPI would
    then match the chosen router's routes once more a level, on every request."""

    def __init__(self, router: APIRouter, prefix: str = "") -> None:
        super().__init__(routes=router.routes)
        #: Where the app includes the group: the heads are of the paths as the app serves them.
        self.served_under = prefix
        self._heads: frozenset[tuple[str, ...]] | None = None
        # The heads as the lookups in ``matches`` want them: a first segment, "first/second".
        self._firsts: frozenset[str] = frozenset()
        self._pairs: frozenset[str] = frozenset()

    def heads(self) -> frozenset[tuple[str, ...]]:
        if self._heads is None:
            paths = [c.path for c in iter_route_contexts(self.routes) if c.path is not None]
            heads = frozenset(head(self.served_under + p) for p in paths)
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


def include(app: FastAPI, router: APIRouter, prefix: str = "", **kwargs: Any) -> None:
    """``app.include_router(router, prefix=prefix, **kwargs)``, with the router's routes
    behind a group's shortcut (its routes declared before: they are taken now)."""
    app.include_router(RouteGroup(router, prefix), prefix=prefix, **kwargs)
