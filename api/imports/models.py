"""The API's models for a register's households whose cells are all plain text.

``Input`` checks every field of every body for what PostgreSQL's text cannot hold (a NUL, a
lone surrogate): a Python call per field, about 100 a two-member household, which was about
half of pydantic's time in an import (126 us a household against 61 without). A register's
cells are checked once instead (``plain_cells``, a call per household), and the households
that pass are validated by twins of ``RegisterHousehold`` and ``Profile`` made here: the
same fields, bounds, defaults and configuration, built with pydantic's ``create_model`` from
the API model's own fields, without ``Input``'s validator. A household with a cell that is
not plain text is validated by the API's models themselves, so its problems are worded as
ever.
"""

from __future__ import annotations

import types
from copy import copy
from functools import cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, create_model

from api.schemas.common import Input


def plain_cells(cells: list[str]) -> bool:
    """Whether every cell could pass ``Input``'s text check (``plain_text``): no NUL and no
    lone surrogate (a CSV decoded as UTF-8 has none; a workbook's text is checked here)."""
    text = "".join(cells)
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _retyped(annotation: Any, twins: dict[type[BaseModel], type[BaseModel]]) -> Any:
    """``annotation`` with every model in it replaced by its twin (``X | None``, ``list[X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _twin(annotation, twins)
    args = get_args(annotation)
    retyped = tuple(_retyped(a, twins) for a in args)
    if retyped == args:
        return annotation
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return Union[retyped]  # noqa: UP007 (a union built from a tuple)
    return origin[retyped]


def _twin(model: type[BaseModel], twins: dict[type[BaseModel], type[BaseModel]]) -> type[BaseModel]:
    if model in twins:
        return twins[model]
    decorators = model.__pydantic_decorators__
    own = set(decorators.field_validators) - set(Input.__pydantic_decorators__.field_validators)
    if own or decorators.model_validators or decorators.validators or decorators.root_validators:
        # A twin would lose them: this module only knows how to leave out ``Input``'s.
        raise TypeError(f"{model.__name__} has validators of its own; it has no twin here")
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        field = copy(info)
        field.annotation = _retyped(info.annotation, twins)
        factory = info.default_factory
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            field.default_factory = _twin(factory, twins)
        fields[name] = (field.annotation, field)
    twin: type[BaseModel] = create_model(
        f"{model.__name__}Cells", __config__=model.model_config, __module__=__name__, **fields
    )
    twins[model] = twin
    return twin


@cache
def for_plain_cells(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` (an API body: ``Profile``, ``RegisterHousehold``) without ``Input``'s
    per-field text check, for households ``plain_cells`` passed (made once per process)."""
    return _twin(model, {})
