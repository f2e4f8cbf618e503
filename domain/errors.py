"""Domain exceptions: one hierarchy, mapped to HTTP statuses once, in ``api/errors.py``."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes."""


class NotFoundError(DomainError):
    """The addressed aggregate (or an entity inside it) does not exist."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class RuleViolation(DomainError):
    """A command that the current state does not allow; ``rule`` names the invariant."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class InvalidCommand(DomainError):
    """A command whose values are wrong in themselves (not because of state)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AlreadyExists(DomainError):
    """Creation with an id that exists already with different content."""

    def __init__(self, kind: str, ident: object, message: str = "") -> None:
        super().__init__(message or f"{kind} {ident} already exists")
        self.kind = kind
        self.ident = ident


class VersionConflict(DomainError):
    """The expected version named by the caller is not the current one."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"expected version {expected}, current version is {current}")
        self.expected = expected
        self.current = current
