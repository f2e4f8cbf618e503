"""A household's read once merges are followed: the survivor with its duplicates' records."""

from __future__ import annotations

from api.schemas.households import HouseholdRead
from domain.duplicates.application import HouseholdSeen


def with_merges(read: HouseholdRead, seen: HouseholdSeen) -> HouseholdRead:
    """The duplicates' needs, visits and interventions count for the survivor (they hold no
    personal field: each record's details stay on its own household's reads)."""
    if not seen.duplicates and not seen.redirected:
        return read
    needs, visits, interventions = list(read.needs), list(read.visits), list(read.interventions)
    for duplicate in seen.duplicates:
        theirs = HouseholdRead.of(duplicate)
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
            "merged_from": [str(d.id) for d in seen.duplicates],
            "note": note,
        }
    )
