"""How the nerve-centre rows follow a merge of duplicate households, and its undoing.

Every row keeps its own household's state, so an unmerge only has to undo what the merge
did. While a household is merged (``merged_into`` on its row): its row counts in no total
(``contributions.household``) and no list; its open needs are folded into its survivor's
row, so they count in the survivor's ward, heat map and lists; a need of it resolved or
identified meanwhile (by a referral's close) changes both rows alike; and each of its
referrals names the survivor as its household (``merged_from`` keeps the duplicate). Where
a referral is followed up is its own events' (``Referral.HandedOver``, handled as
``Rehomed`` is): the merge, a move of the survivor and the unmerge record them in the same
save as the households' events (``domain.referrals.moves``), so no rule here repeats them.
The work is done on the merge's events, never per event: merges are rare, catch-up is
measured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.households.model import Household
from projections.nerve_centre import contributions
from projections.nerve_centre.rows import CaseRows

Change = Callable[[dict[str, Any]], None]


def _fold(needs: dict[str, Any], high: int, *, into: bool) -> Change:
    """Add a duplicate's open needs to a survivor's row, or take them away again."""

    def change(row: dict[str, Any]) -> None:
        if into:
            row["open_needs"] = {**row["open_needs"], **needs}
        else:
            row["open_needs"] = {k: v for k, v in row["open_needs"].items() if k not in needs}
        row["high_needs"] += high if into else -high
        row["open_categories"] = sorted({n[0] for n in row["open_needs"].values()})

    return change


class MergedCases(CaseRows):
    """The merge's handlers' work, mixed into ``NerveCentreProjection``."""

    def _cached_household(self, household_id: UUID) -> dict[str, Any] | None:
        if household_id not in self.households:
            self.households.update(self.nc.load_households([household_id]))
        return self.households.get(household_id)

    def follow_merge(self, e: Household.MergedInto | Household.MergeUndone) -> None:
        """Fold the duplicate into its survivor (``MergedInto``) or take it out again."""
        into = isinstance(e, Household.MergedInto)
        duplicate, survivor_id = self.households.get(e.originator_id), UUID(e.survivor_id)
        survivor = self._cached_household(survivor_id)
        if duplicate is None or survivor is None:
            return  # registered before a gap in the log (never in a whole log)
        fold = _fold(duplicate["open_needs"], duplicate["high_needs"], into=into)
        self._change("households", contributions.household_short, survivor_id, fold, True)
        link: Change = lambda row: row.update(merged_into=survivor_id if into else None)  # noqa: E731
        self._change("households", contributions.household_short, e.originator_id, link, True)
        self._name_referrals(e.originator_id, duplicate["ward_id"], survivor_id if into else None)

    def _name_referrals(self, duplicate_id: UUID, ward_id: str, survivor: UUID | None) -> None:
        """The duplicate's referrals in its ward name ``survivor`` as their household
        (``None``: their own again, those the merge named). Stored ones by query, the
        window's uncommitted ones in the cache (those in its ward, as the query finds them).
        Their ward is left to their ``HandedOver`` events, which follow in the same save."""
        undo = survivor is None

        def theirs(row: dict[str, Any]) -> bool:
            if undo:
                return bool(row["merged_from"] == duplicate_id)
            return bool(row["household_id"] == duplicate_id and row["ward_id"] == ward_id)

        stored = (
            self.nc.referral_ids("merged_from = %s", duplicate_id)
            if undo
            else self.nc.referral_ids("ward_id = %s AND household_id = %s", ward_id, duplicate_id)
        )
        self.referrals.update(self.nc.load_referrals(set(stored) - self.referrals.keys()))

        def relink(row: dict[str, Any]) -> None:
            row["household_id"] = survivor or duplicate_id
            row["merged_from"] = None if undo else duplicate_id

        for referral_id in [k for k, row in self.referrals.items() if theirs(row)]:
            self._change("referrals", contributions.referral_short, referral_id, relink, False)

    def follow_need(self, row: dict[str, Any], change: Change) -> None:
        """A need of a merged household changed: its survivor's row holds it too."""
        survivor_id = row["merged_into"]
        if survivor_id is not None and self._cached_household(survivor_id) is not None:
            self._change("households", contributions.household_short, survivor_id, change, True)
