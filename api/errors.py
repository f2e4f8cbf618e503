"""Domain exceptions become HTTP answers here, in one table (never try/except in routes)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import asyncpg
import psycopg
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from adapters.idempotency import GateBusy, KeyInFlight
from api.auth.service import NotAuthenticated, TooManyAttempts
from domain.access.policy import Forbidden
from domain.application import ConcurrencyExhausted
from domain.errors import (
    AlreadyExists,
    InvalidCommand,
    NotFoundError,
    RuleViolation,
    VersionConflict,
)
from domain.households.duplicates import HouseholdMerged

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the database is out of reach.
OUTAGE_RETRY_AFTER = 5

#: A 422 quotes at most this much of the refused input (a 1 MiB body is not echoed back).
INPUT_ECHO_CHARS = 200


class IdempotencyKeyReused(Exception):
    """The same Idempotency-Key was sent with a different request."""


class BadHeader(Exception):
    def __init__(self, header: str, message: str) -> None:
        super().__init__(message)
        self.header = header
        self.message = message


def validation_detail(
    loc: list[str | int], msg: str, kind: str = "value_error"
) -> list[dict[str, Any]]:
    """The same shape FastAPI uses for request validation errors, so clients parse one format."""
    return [{"loc": loc, "msg": msg, "type": kind}]


def _printable(value: Any) -> Any:
    """``value`` (already JSON-like) made serialisable: lone surrogates escaped, non-finite
    numbers (NaN, 1e400) as their repr."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def _quoted(value: Any) -> Any:
    """The refused input as a 422 quotes it: whole when short, else the start of its repr."""
    printable = _printable(jsonable_encoder(value))
    if len(repr(printable)) <= INPUT_ECHO_CHARS:
        return printable
    return repr(printable)[:INPUT_ECHO_CHARS] + "…"


def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's own answer, but one that always serialises and never echoes a large input.
    details = []
    for error in exc.errors():
        error = dict(error)
        if "input" in error:
            error["input"] = _quoted(error["input"])
        details.append(_printable(jsonable_encoder(error)))
    return JSONResponse(status_code=422, content={"detail": details})


def _nested_too_deep(_: Request, exc: RecursionError) -> JSONResponse:
    # Only input nests without bound here (JSON of 1,000+ levels): a client error.
    return JSONResponse(status_code=400, content={"detail": "the request is nested too deeply"})


def _not_text(_: Request, exc: UnicodeError) -> JSONResponse:
    # A lone surrogate ("\ud800") is valid JSON but not text: refused when it is encoded.
    return JSONResponse(
        status_code=422,
        content={"detail": validation_detail(["body"], "text must be valid Unicode")},
    )


def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    # A lost or unreachable database (or a wait for one that timed out): the request did not
    # take effect as far as we know, and trying again later is the answer, not a 500.
    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return JSONResponse(
        status_code=503,
        content={"detail": "the database is unavailable; retry later"},
        headers={"Retry-After": str(OUTAGE_RETRY_AFTER)},
    )


def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


def _rule_violation(_: Request, exc: RuleViolation) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": exc.message, "rule": exc.rule})


def _household_merged(_: Request, exc: HouseholdMerged) -> JSONResponse:
    content = {"detail": exc.message, "rule": exc.rule, "survivor_id": exc.survivor_id}
    return JSONResponse(status_code=409, content=content)


def _already_exists(_: Request, exc: AlreadyExists) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(exc), "rule": "unique-id"})


def _version_conflict(_: Request, exc: VersionConflict) -> JSONResponse:
    return JSONResponse(
        status_code=412,
        content={
            "detail": str(exc),
            "expected_version": exc.expected,
            "current_version": exc.current,
        },
        headers={"ETag": f'"{exc.current}"'},
    )


def _invalid_command(_: Request, exc: InvalidCommand) -> JSONResponse:
    loc: list[str | int] = ["body", *exc.field.replace("]", "").replace("[", ".").split(".")]
    loc = [int(p) if isinstance(p, str) and p.isdigit() else p for p in loc]
    return JSONResponse(status_code=422, content={"detail": validation_detail(loc, exc.message)})


def _key_reused(_: Request, exc: IdempotencyKeyReused) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "detail": validation_detail(
                ["header", "Idempotency-Key"],
                "this Idempotency-Key was already used for a different request",
            )
        },
    )


def _key_in_flight(_: Request, exc: KeyInFlight) -> JSONResponse:
    # Its first request may yet succeed: the client retries later and gets that answer.
    return JSONResponse(
        status_code=409,
        content={"detail": f"{exc}; retry later", "rule": "request-in-progress"},
        headers={"Retry-After": str(max(1, round(exc.waited)))},
    )


def _gate_busy(_: Request, exc: GateBusy) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={"detail": f"{exc}; retry later"},
        headers={"Retry-After": str(OUTAGE_RETRY_AFTER)},
    )


def _bad_header(_: Request, exc: BadHeader) -> JSONResponse:
    return JSONResponse(
        status_code=422, content={"detail": validation_detail(["header", exc.header], exc.message)}
    )


def _busy(_: Request, exc: ConcurrencyExhausted) -> JSONResponse:
    return JSONResponse(
        status_code=409,
        content={"detail": f"{exc}; retry the request", "rule": "concurrent-writers"},
        headers={"Retry-After": "1"},
    )


def _not_authenticated(_: Request, exc: NotAuthenticated) -> JSONResponse:
    return JSONResponse(
        status_code=401,
        content={"detail": f"not authenticated: {exc}"},
        headers={"WWW-Authenticate": f'Bearer error="{exc.error}"' if exc.error else "Bearer"},
    )


def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
    return JSONResponse(status_code=403, content={"detail": str(exc), "action": exc.action})


def _too_many(_: Request, exc: TooManyAttempts) -> JSONResponse:
    return JSONResponse(
        status_code=429, content={"detail": str(exc)}, headers={"Retry-After": str(exc.retry_after)}
    )


HANDLERS: dict[type[Exception], Callable[[Request, Any], JSONResponse]] = {
    RequestValidationError: _request_invalid,
    RecursionError: _nested_too_deep,
    UnicodeError: _not_text,
    # Outages, write side (eventsourcing wraps psycopg's; the pool's timeout included) and
    # read side (asyncpg: lost connection, server shutting down, connect refused or timed out).
    StoreOperationalError: _unavailable,
    StoreInterfaceError: _unavailable,
    psycopg.OperationalError: _unavailable,
    psycopg.InterfaceError: _unavailable,
    asyncpg.PostgresConnectionError: _unavailable,
    asyncpg.exceptions.OperatorInterventionError: _unavailable,
    asyncpg.InterfaceError: _unavailable,
    ConnectionError: _unavailable,
    TimeoutError: _unavailable,
    NotFoundError: _not_found,
    RuleViolation: _rule_violation,
    HouseholdMerged: _household_merged,
    AlreadyExists: _already_exists,
    VersionConflict: _version_conflict,
    InvalidCommand: _invalid_command,
    IdempotencyKeyReused: _key_reused,
    KeyInFlight: _key_in_flight,
    GateBusy: _gate_busy,
    BadHeader: _bad_header,
    ConcurrencyExhausted: _busy,
    NotAuthenticated: _not_authenticated,
    Forbidden: _forbidden,
    TooManyAttempts: _too_many,
}


#: A command's refusals that are its answer for good: a retry with the same Idempotency-Key
#: gets them again (the key keeps the first completed answer, as Stripe's do). Not "busy"
#: (409 concurrent-writers) nor an outage: those did not take effect, so a retry tries again.
KEPT_REFUSALS: tuple[type[Exception], ...] = (
    NotFoundError,
    RuleViolation,
    AlreadyExists,
    VersionConflict,
    InvalidCommand,
    Forbidden,
)


def answer(request: Request, exc: Exception) -> JSONResponse:
    """The answer the table gives ``exc`` (for one kept before the exception handlers run)."""
    for kind in type(exc).__mro__:
        if kind in HANDLERS:
            return HANDLERS[kind](request, exc)
    raise exc


def install(app: FastAPI) -> None:
    for exc_type, handler in HANDLERS.items():
        app.add_exception_handler(exc_type, handler)
