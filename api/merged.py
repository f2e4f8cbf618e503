"""A household's read once merges are followed: the survivor with its duplicates' records."""

from __future__ import annotations

from api.schemas.households import HouseholdRead
from domain.duplicates.application import HouseholdSeen


def with_merges(
    read: HouseholdRead, seen: HouseholdSeen, merged: list[HouseholdRead]
) -> HouseholdRead:
    """``read`` (the survivor, shaped for its reader) with the needs, visits and interventions
    of ``merged``, its duplicates' reads shaped for the same reader (a special need category
    reads as broad there as on the duplicate's own read)."""
    if not merged and not seen.redirected:
        return read
    needs, visits, interventions = list(read.needs), list(read.visits), list(read.interventions)
    for theirs in merged:
        needs += theirs.needs
        visits += theirs.visits
        interventions += theirs.interventions
    note = (
        f"household {seen.asked} is merged into {seen.household.id}: this is its record"
        if seen.redirected
        else None
    )
    return read.model_copy(
        update={
            "needs": needs,
            "visits": visits,
            "interventions": interventions,
            "merged_from": [theirs.id for theirs in merged],
            "note": note,
        }
    )
