"""Offline sync's commands: each item type runs its /v1 route's own function.

An item is validated with the route's body model and handed to the route function itself,
with a command runner of its own (the item's expected version as If-Match, its command id as
the Idempotency-Key): the same application call, access policy, occurred-at window and
receipts as the route, so no rule is written twice. A refusal is answered as the error table
answers the route, then reported as the item's outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, get_type_hints

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from adapters.idempotency import request_fingerprint
from api import errors
from api.commands import CommandRunner
from api.deps import runner_for
from api.routers import households, referrals
from api.schemas.sync import Outcome, SyncItem, SyncResult
from domain.access.principal import Principal

#: What a refused item says when its target is unknown or outside the caller's scope (the two
#: are never told apart, as a 404 never tells them apart).
NOT_IN_SCOPE = "not permitted: no such object in your scope"
#: Receipts of sync items live beside the routes' own Idempotency-Keys, apart from them.
KEY_PREFIX = "sync:"


@dataclass(frozen=True)
class SyncCommand:
    """An item type: the route function it runs and whether its target is a new id."""

    route: Callable[..., JSONResponse]
    creates: bool = False  # target is the new aggregate's client-chosen id (the body's ``id``)
    params: tuple[str, ...] = ()  # the route's path parameters after the target's

    @cached_property
    def model(self) -> type[BaseModel]:
        """The route's own body model."""
        model: type[BaseModel] = get_type_hints(self.route)["body"]
        return model

    def run(self, item: SyncItem, body: BaseModel, cmd: CommandRunner) -> JSONResponse:
        if self.creates:
            return self.route(body, cmd)
        return self.route(item.target, *(item.params[p] for p in self.params), body, cmd)


SYNC_COMMANDS: dict[str, SyncCommand] = {
    "household.register": SyncCommand(households.register_household, creates=True),
    "household.profile": SyncCommand(households.submit_profile),
    "household.need": SyncCommand(households.identify_need),
    "household.need.resolve": SyncCommand(households.resolve_need, params=("need_id",)),
    "household.visit": SyncCommand(households.record_visit),
    "household.intervention": SyncCommand(households.record_intervention),
    "household.move": SyncCommand(households.move_household),
    "household.graduate": SyncCommand(households.graduate_household),
    "household.reopen": SyncCommand(households.reopen_household),
    "referral.make": SyncCommand(referrals.make_referral, creates=True),
    "referral.acknowledge": SyncCommand(referrals.acknowledge),
    "referral.reject": SyncCommand(referrals.reject),
    "referral.reassign": SyncCommand(referrals.reassign),
    "referral.escalate": SyncCommand(referrals.escalate),
    "referral.deliver": SyncCommand(referrals.deliver),
    "referral.verify": SyncCommand(referrals.verify),
    "referral.dispute": SyncCommand(referrals.dispute),
    "referral.reopen": SyncCommand(referrals.reopen),
    "referral.close": SyncCommand(referrals.close),
    "referral.cancel": SyncCommand(referrals.cancel),
}


def _route_of(command: SyncCommand) -> str:
    for router in (households.router, referrals.router):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.endpoint is command.route:
                return f"POST /v1{route.path}"
    raise LookupError(f"{command.route.__name__} is not a route")


def item_types() -> str:
    """The item types for the OpenAPI description: each one's route and body model."""
    return "\n".join(
        f"- `{name}`: the body of `{_route_of(c)}` (`{c.model.__name__}`)"
        + (f", with `params` {', '.join(c.params)}" if c.params else "")
        for name, c in SYNC_COMMANDS.items()
    )


class ItemRefused(Exception):
    """The item's envelope does not fit its type (before its route runs)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _body(command: SyncCommand, item: SyncItem) -> dict[str, Any]:
    """The route body the item stands for: its occurred_at and a creation's id filled in."""
    raw = dict(item.body)
    if item.occurred_at is not None:
        if "occurred_at" in raw:
            raise ItemRefused("occurred_at", "give occurred_at on the item or in its body, once")
        raw["occurred_at"] = item.occurred_at
    if command.creates and item.target is not None:
        if raw.setdefault("id", str(item.target)) != str(item.target):
            raise ItemRefused("target", "the body's id differs from the item's target")
    elif not command.creates and item.target is None:
        raise ItemRefused("target", f"{item.type} needs the id it acts on")
    missing = [p for p in command.params if p not in item.params]
    if missing:
        raise ItemRefused(f"params.{missing[0]}", f"{item.type} needs {missing[0]}")
    return raw


def run_item(request: Request, principal: Principal, index: int, item: SyncItem) -> SyncResult:
    """Run one item through its route; its refusal becomes its outcome, never the batch's
    (an outage still fails the batch: re-sent, its applied items answer ``duplicate``)."""
    base: dict[str, Any] = {"index": index, "command_id": item.command_id}
    command = SYNC_COMMANDS.get(item.type)
    try:
        if command is None:
            raise ItemRefused("type", f"unknown command type {item.type!r}")
        raw = _body(command, item)
        body = command.model.model_validate(raw)
    except ItemRefused as exc:
        loc: list[str | int] = list(exc.field.split("."))
        return SyncResult(
            **base, outcome="rejected", errors=errors.validation_detail(loc, exc.message)
        )
    except ValidationError as exc:
        refused = errors.answer(request, RequestValidationError(exc.errors(include_url=False)))
        return _result(base, refused, replayed=False, prefix=("body",))
    envelope = item.model_dump(mode="json", exclude={"command_id"})
    cmd = runner_for(
        request,
        principal,
        expected_version=item.expected_version,
        idempotency_key=KEY_PREFIX + item.command_id,
        fingerprint=request_fingerprint(
            "SYNC", item.type, orjson.dumps(envelope, option=orjson.OPT_SORT_KEYS)
        ),
    )
    try:
        response = command.run(item, body, cmd)
    except Exception as exc:
        refused = errors.answer(request, exc)  # (re-raises what the table does not answer)
        if refused.status_code not in _REFUSALS:
            raise  # an outage: the batch fails, and is safe to send again
        return _result(base, refused, replayed=False)
    return _result(base, response, replayed=cmd.replayed)


_REFUSALS = {403, 404, 409, 412, 422}


def _result(
    base: dict[str, Any], response: JSONResponse, *, replayed: bool, prefix: tuple[str, ...] = ()
) -> SyncResult:
    content: dict[str, Any] = orjson.loads(bytes(response.body))
    status = response.status_code
    if status < 300:
        written = {k: content.pop(k) for k in ("id", "version", "position")}
        outcome: Outcome = "duplicate" if replayed else "applied"
        return SyncResult(**base, outcome=outcome, **written, ids=content)
    if status == 412:
        return SyncResult(
            **base,
            outcome="conflict",
            rule="stale-version",
            current_version=content["current_version"],
            detail=content["detail"],
        )
    if status == 409:
        return SyncResult(
            **base, outcome="conflict", rule=content["rule"], detail=content["detail"]
        )
    if status == 422:
        details = [{**d, "loc": [*prefix, *d["loc"]]} for d in content["detail"]]
        return SyncResult(**base, outcome="rejected", errors=details)
    # 403 for an object in scope; 404 for one unknown or outside it: told apart by neither.
    return SyncResult(**base, outcome="forbidden", detail=NOT_IN_SCOPE)
