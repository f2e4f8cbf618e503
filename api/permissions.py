"""Route-level permission for endpoints that act on no single object (the personal-data log).

Object endpoints need nothing here: the application checks the access policy on the object it
loads. A route that reads no aggregate names its action with ``require(ACTION)`` instead, and
the same policy decides (403 when refused).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Depends

from api.deps import CurrentUser
from domain.access.policy import NOWHERE, authorize_creation
from domain.access.principal import Principal

LIST_PII_READS: Final = "audit.read"


def require(action: str) -> Any:
    """A dependency that refuses the route (403) unless the policy allows ``action``."""

    async def check(user: CurrentUser) -> Principal:
        authorize_creation(user, action, NOWHERE)
        return user

    check.__name__ = f"require_{action.replace('.', '_')}"
    return Depends(check)
