"""The actions of the data-protection endpoints, declared for the access policy.

Each route names its action with ``require(ACTION)``. Interim: the principal comes from
``X-Actor`` with every role, so nothing is refused here; the access policy (issue #3's other
half) decides per action and role, in one place. The roles each action is meant for:

| action | roles |
| --- | --- |
| ``household:consent`` (give, withdraw) | field_worker, convener, admin |
| ``household:erase`` | admin |
| ``referral:override-consent`` (share without consent) | convener |
| ``audit:pii-reads`` | admin |
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Depends

from api.deps import CurrentUser
from domain.access.principal import Principal

RECORD_CONSENT: Final = "household:consent"
ERASE_PERSONAL_DATA: Final = "household:erase"
OVERRIDE_CONSENT: Final = "referral:override-consent"
LIST_PII_READS: Final = "audit:pii-reads"


def require(action: str) -> Any:
    """A dependency that declares the route's action (the access policy enforces it)."""

    async def declared(user: CurrentUser) -> Principal:
        return user

    declared.__name__ = f"require_{action.replace(':', '_').replace('-', '_')}"
    return Depends(declared)
