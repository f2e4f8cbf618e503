"""The acting user as every command and read sees it: who, with which roles, over which scopes.

Scopes are strings such as ``ward:<ward id>``, ``municipality:KZN225``, ``district:DC22``,
``province:KZN``, ``department:<code>`` and the grant ``pii:read``. What each role may do
within its scopes is decided by the access policy, in one place (``domain.access.policy``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    FIELD_WORKER = "field_worker"
    CONVENER = "convener"
    DEPARTMENT_OFFICER = "department_officer"
    ANALYST = "analyst"
    ADMIN = "admin"


PII_READ = "pii:read"


@dataclass(frozen=True)
class Principal:
    """An authenticated user (or the system itself, for scheduled sweeps and the demo)."""

    user_id: str
    username: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def may_read_pii(self) -> bool:
        return PII_READ in self.scopes

    @property
    def actor(self) -> str:
        """What events record as ``actor``."""
        return self.username
