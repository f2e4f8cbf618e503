"""The command routes' request handler: FastAPI's, without the general dependency solver.

Commands are most of the API's traffic, and every command route has one shape: path ids, one
JSON body model, and the command runner (which also verifies the caller). FastAPI's handler
solves a route's whole dependency tree on each request, generically (parameter passes for
path, query, header and cookie, cache keys, scopes, exit stacks): about a quarter of a
command's cost in the API layer. For a route of exactly that shape this handler does the
same steps directly, in FastAPI's order: the caller first (401 before 422), then the path
ids and the body, validated by the very fields FastAPI built for the route, then the
endpoint in the threadpool.

Anything else goes to FastAPI's own handler, unchanged: a route of another shape (checked
once, when the route is built), dependency overrides, a body that is not plain JSON, and
every request that fails validation, so error answers are FastAPI's, byte for byte; and
every request while FastAPI's OpenTelemetry support is active, so its spans stay whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any, get_type_hints

from fastapi import Request, Response
from fastapi._compat import ModelField
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.telemetry import get_telemetry_data
from pydantic import BaseModel

from api.deps import command_runner, current_principal

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class CommandRoute(APIRoute):
    """An ``APIRoute`` whose command requests skip FastAPI's dependency solver (see above)."""

    #: Whether the last handler built for this route takes the lean path (tests check it).
    lean: bool = False

    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        # Built once per inclusion: FastAPI's view of the included route (with the including
        # router's dependencies) is what the handler must honour, not the bare route.
        route = _effective(self)
        shape = _CommandShape.of(route.dependant, route.body_field, route._embed_body_fields)
        self.lean = shape is not None
        if shape is None:
            return standard
        return shape.handler(standard, route.dependency_overrides_provider)


def _effective(route: APIRoute) -> Any:
    """The included route's effective context while FastAPI builds its handler (the same
    lookup ``APIRoute.get_route_handler`` makes; FastAPI has no public hook for it)."""
    from fastapi.routing import _effective_route_context_var

    context = _effective_route_context_var.get()
    return context if context is not None and context.original_route is route else route


class _CommandShape:
    """What a command route's handler needs, if the route has the command shape."""

    def __init__(
        self,
        call: Callable[..., Response],
        runner: Dependant,
        path_params: list[ModelField],
        body: ModelField,
    ) -> None:
        self.call = call
        self.runner = runner
        self.path_params = path_params
        self.body = body

    @classmethod
    def of(
        cls, dependant: Dependant, body: ModelField | None, embedded: bool
    ) -> _CommandShape | None:
        call = dependant.call
        if call is None or body is None or embedded or len(dependant.body_params) != 1:
            return None
        if dependant.query_params or dependant.header_params or dependant.cookie_params:
            return None
        if not _returns_response(call) or not _is_model(body):
            return None
        if any(
            getattr(dependant, name) is not None
            for name in (
                "request_param_name",
                "websocket_param_name",
                "http_connection_param_name",
                "response_param_name",
                "background_tasks_param_name",
                "security_scopes_param_name",
            )
        ):
            return None
        runners = [d for d in dependant.dependencies if d.call is command_runner]
        others = [d for d in dependant.dependencies if d.call is not command_runner]
        if len(runners) != 1 or runners[0].name is None:
            return None
        # The only other dependency allowed is the bearer check, which the runner repeats.
        if any(d.call is not current_principal or d.name is not None for d in others):
            return None
        if not all(_takes_only_the_request(d) for d in dependant.dependencies):
            return None
        return cls(call, runners[0], list(dependant.path_params), body)

    def handler(self, standard: Handler, overrides: Any) -> Handler:
        call, runner_name = self.call, self.runner.name
        assert runner_name is not None
        path_params, body_field, body_name = self.path_params, self.body, self.body.name

        async def handle(request: Request) -> Response:
            if overrides is not None and getattr(overrides, "dependency_overrides", None):
                return await standard(request)
            if get_telemetry_data() is not None:
                return await standard(request)
            if not _plain_json(request.headers.get("content-type")):
                return await standard(request)
            runner = await command_runner(request)  # the caller first, as FastAPI orders it
            values: dict[str, Any] = {runner_name: runner}
            received = request.path_params
            for field in path_params:
                value, errors = field.validate(received.get(field.alias), values, loc=())
                if errors:
                    return await standard(request)
                values[field.name] = value
            raw = await request.body()
            if not raw:
                return await standard(request)
            try:
                decoded = json.loads(raw)
            except ValueError:
                return await standard(request)
            model, errors = body_field.validate(decoded, values, loc=())
            if errors:
                return await standard(request)
            values[body_name] = model
            response = await run_in_threadpool(call, **values)
            if not isinstance(response, Response):
                raise TypeError(f"{call.__qualname__} must return a Response")
            return response

        return handle


def _plain_json(content_type: str | None) -> bool:
    return (
        content_type is not None
        and content_type.split(";", 1)[0].strip().lower() == "application/json"
    )


def _returns_response(call: Callable[..., Any]) -> bool:
    try:
        returned = get_type_hints(call).get("return")
    except Exception:  # an annotation that cannot be resolved: not for the lean path
        return False
    return isinstance(returned, type) and issubclass(returned, Response)


def _is_model(field: ModelField) -> bool:
    annotation = field.field_info.annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _takes_only_the_request(dependant: Dependant) -> bool:
    return (
        dependant.request_param_name is not None
        and not dependant.dependencies
        and not dependant.path_params
        and not dependant.query_params
        and not dependant.header_params
        and not dependant.cookie_params
        and not dependant.body_params
    )
