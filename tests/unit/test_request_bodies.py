"""Every request body, and every object inside one, is an ``Input``: its strings are checked
for what PostgreSQL cannot store (NUL, lone surrogates) before anything reads them."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.main import ROUTER_MODULES
from api.routers import auth, health
from api.schemas.common import Input


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation names, however nested (lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def _dependency(hint: Any) -> bool:
    return any(isinstance(m, params.Depends) for m in getattr(hint, "__metadata__", ()))


def test_every_body_model_refuses_unstorable_text() -> None:
    bodies: set[type[BaseModel]] = set()
    for module in (*ROUTER_MODULES, auth, health):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            hints = typing.get_type_hints(route.endpoint, include_extras=True)
            for name, hint in hints.items():
                if name != "return" and not _dependency(hint):
                    bodies.update(_models(hint))

    assert len(bodies) > 40
    assert sorted(m.__name__ for m in bodies if not issubclass(m, Input)) == []
