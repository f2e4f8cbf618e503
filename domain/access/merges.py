"""Who follows a merge: reading a merged household answers its survivor to whoever may read
both; a survivor's merged-in records show only to whoever may read their household."""

from __future__ import annotations

from domain.access.locations import location_of
from domain.access.policy import Decision, Location, decide
from domain.access.principal import Principal
from domain.access.visibility import Sight, personal_sight
from domain.households.model import Household


def may_read(principal: Principal | None, household: Household) -> bool:
    """``None`` is the system acting in-process, which reads everything."""
    if principal is None:
        return True
    return decide(principal, "household.read", location_of(household)) is Decision.ALLOW


def follows_merge(principal: Principal | None, duplicate: Household, survivor: Household) -> bool:
    """Whether a read of ``duplicate`` answers ``survivor``'s record: only for a reader of both
    (a reader of the duplicate alone gets the duplicate, marked merged)."""
    return may_read(principal, duplicate) and may_read(principal, survivor)


def sees_evidence(principal: Principal, ward_ids: list[str]) -> bool:
    """A pair's evidence (how alike their names, birth dates, phones are) is about both
    households' personal data: shown only to whoever may read that of both."""
    return all(
        personal_sight(principal, None, at=Location.ward(ward)) is Sight.FULL for ward in ward_ids
    )
