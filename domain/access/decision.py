"""The access policy's three answers, and the refusal a 403 carries."""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    ALLOW = "allow"
    FORBIDDEN = "forbidden"
    INVISIBLE = "invisible"


class Forbidden(Exception):
    """The principal sees the object but may not do this action (HTTP 403)."""

    def __init__(self, action: str, reason: str | None = None) -> None:
        super().__init__(f"not permitted: {action}" + (f" ({reason})" if reason else ""))
        self.action = action
