"""Shared constrained types and shapes used by several resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from fastapi.encoders import jsonable_encoder
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

WardId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2,3}[0-9]{0,3}-W[0-9]{3}$", max_length=16),
    Field(description="A ward id from GET /v1/geography, e.g. KZN225-W007"),
]
DepartmentCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2,5}(:[A-Z0-9_-]{2,32})?$"),
    Field(description="A department or NGO code from GET /v1/departments, e.g. SASSA"),
]
#: No NUL byte in free text: PostgreSQL's text columns (the read models) cannot hold one.
#: (Every body's strings are checked by ``Input``; the pattern tells the schema's readers.)
NO_NUL = r"^[^\x00]*$"


def plain_text(value: Any) -> Any:
    """``value``, refused if a string in it (or in a list of it) holds what PostgreSQL's
    text cannot: a NUL character, or a lone surrogate (not Unicode text). Objects are left
    to their own model (an ``Input`` too), so the error names the innermost field."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain a NUL character (U+0000)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (a lone surrogate is not)") from None
    elif isinstance(value, list):
        for item in value:
            plain_text(item)
    return value


class Input(BaseModel):
    """Every request body and the objects in it: unknown fields refused, and every string
    refused with a 422 naming its field if PostgreSQL could not store it (``plain_text``).

    After each field's own validation, so a type with its own rule answers in its own words
    (a user name's message is the CLI's; pydantic refuses a lone surrogate where it expects
    text); ``plain_text`` catches what no rule did (a plain ``str`` field)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return plain_text(value)


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=NO_NUL)
]
AsOf = Annotated[
    AwareDatetime | None,
    Query(description="Replay to this recorded time (ISO 8601 with offset)"),
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000, pattern=NO_NUL)
]


class CommandBody(Input):
    """Every command may say when it happened in the field (captured offline, sent later)."""

    occurred_at: AwareDatetime | None = Field(
        default=None,
        description="When it happened (ISO 8601 with offset). Defaults to now; no future, "
        "no older than the configured window (90 days by default).",
    )


class WrittenRead(BaseModel):
    """The answer to every command: the aggregate's new version and the log position."""

    id: str
    version: int | None
    position: int | None = Field(
        description="Event-log position of the write; pass it as ?min_position= to read your write"
    )


_ENVELOPE = {"originator_id", "originator_version", "originator_topic", "timestamp"}


class ErrorRead(BaseModel):
    """A refused request (400, 401, 404, 429): what went wrong."""

    detail: str


class ForbiddenRead(ErrorRead):
    """403: the caller sees the object but may not take this action."""

    action: str


class RuleRead(ErrorRead):
    """409: the rule the command broke (or ``unique-id``, ``concurrent-writers``)."""

    rule: str
    survivor_id: str | None = Field(
        default=None,
        description="Rule `household-merged`: the household it is merged into, to send it to.",
    )


class StaleVersionRead(ErrorRead):
    """412: If-Match named another version than the current one."""

    expected_version: int
    current_version: int


Responses = dict[int | str, dict[str, Any]]

# OpenAPI "responses" every authenticated route may answer (api.errors maps the exceptions).
REFUSED: Responses = {
    401: {"model": ErrorRead, "description": "No valid access token"},
    403: {"model": ForbiddenRead, "description": "The caller may not take this action"},
    404: {"model": ErrorRead, "description": "Unknown id, or outside the caller's scope"},
}
# ... and what a command may answer besides (its 422 is FastAPI's validation error).
_COMMAND_REFUSED: Responses = {
    400: {"model": ErrorRead, "description": "The body cannot be decoded (not UTF-8)"},
    409: {"model": RuleRead, "description": "The command breaks a rule"},
    412: {"model": StaleVersionRead, "description": "If-Match is not the current version"},
}
# OpenAPI "responses" for command routes (their JSONResponse bodies are WrittenRead).
WRITTEN: Responses = {200: {"model": WrittenRead}, **_COMMAND_REFUSED}
CREATED: Responses = {201: {"model": WrittenRead}, **_COMMAND_REFUSED}


class EventRead(BaseModel):
    type: str
    version: int
    occurred_at: datetime | None
    recorded_at: datetime
    actor: str | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, event: Any) -> EventRead:
        fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
        occurred_at = fields.pop("occurred_at", None)
        actor = fields.pop("actor", None)
        return cls(
            type=type(event).__qualname__,
            version=event.originator_version,
            occurred_at=occurred_at,
            recorded_at=event.timestamp,
            actor=actor,
            payload=jsonable_encoder(fields),
        )


class HistoryRead(BaseModel):
    id: str
    as_of: datetime | None
    events: list[EventRead]
    state: dict[str, Any] | None
