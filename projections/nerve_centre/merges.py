"""How the nerve-centre rows follow a merge of duplicate households, and its undoing.

Every row keeps its own household's state, so an unmerge only has to undo what the merge
did. While a household is merged (``merged_into`` on its row): its row counts in no total
(``contributions.household``) and no list; its open needs are folded into its survivor's
row, so they count in the survivor's ward, heat map and lists; a need of it resolved or
identified meanwhile (by a referral's close) changes both rows alike; and each of its
referrals names the survivor as its household (``merged_from`` keeps the duplicate), its open
ones followed up in the survivor's ward as a move hands them over; a move of the survivor
carries those still open with it (one indexed query per move), and the unmerge hands them
back. The work is done on the merge's events (and a move's), never per event: merges are
rare, catch-up is measured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.households.model import Household
from domain.reference.geography import geography
from projections.nerve_centre import contributions
from projections.nerve_centre.contributions import OPEN_REFERRAL_STATUSES
from projections.nerve_centre.rows import CaseRows
from projections.nerve_centre.view import NerveCentreView

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

    def __init__(self, view: NerveCentreView) -> None:
        super().__init__(view)
        # The referrals each survivor was handed since the last commit (stored ones by query)
        self.handed: dict[UUID, set[UUID]] = {}

    def forget(self) -> None:
        super().forget()
        self.handed.clear()

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
        self._change("households", contributions.household, survivor_id, fold, True)
        link: Change = lambda row: row.update(merged_into=survivor_id if into else None)  # noqa: E731
        self._change("households", contributions.household, e.originator_id, link, True)
        self._move_referrals(
            e.originator_id,
            duplicate["ward_id"],
            survivor_id if into else None,
            survivor["ward_id"],
        )

    def _move_referrals(
        self, duplicate_id: UUID, ward_id: str, survivor: UUID | None, survivor_ward: str
    ) -> None:
        """The duplicate's referrals name ``survivor`` as their household (``None``: their own
        again), and its open ones are followed up in the survivor's ward, as a move hands them
        over (closed ones stay in its own ward's history); the unmerge hands those elsewhere
        (in the survivor's ward, or wherever a move of the survivor took them) back to the
        duplicate's, where the merge found them all (the duplicate cannot move while merged).
        Stored ones by query, the window's uncommitted ones in the cache (those in its ward, as
        the query finds them)."""
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
        ids = [k for k, row in self.referrals.items() if theirs(row)]

        def relink(row: dict[str, Any]) -> None:
            row["household_id"] = survivor or duplicate_id
            row["merged_from"] = None if undo else duplicate_id
            back = undo and row["ward_id"] != ward_id  # the merge handed it over
            if back or (not undo and row["status"] in OPEN_REFERRAL_STATUSES):
                place = ward_id if undo else survivor_ward
                municipality, district, _ = geography().ancestors(place)
                row.update(ward_id=place, municipality=municipality, district=district)

        for referral_id in ids:  # a ward moved moves the referral's counts (totals)
            self._change("referrals", contributions.referral, referral_id, relink, True)
        if survivor is not None:
            self.handed.setdefault(survivor, set()).update(ids)

    def carry_handed(self, survivor_id: UUID, from_ward: str, to_ward: str) -> None:
        """A survivor moved: the open referrals its duplicates handed it go with it, as its own
        are rehomed (closed ones stay in the history of the ward they were followed up in)."""
        stored = self.nc.referral_ids(
            "ward_id = %s AND household_id = %s AND merged_from IS NOT NULL", from_ward, survivor_id
        )
        ids = {*stored, *self.handed.get(survivor_id, ())}
        self.referrals.update(self.nc.load_referrals(ids - self.referrals.keys()))
        municipality, district, _ = geography().ancestors(to_ward)

        def carry(row: dict[str, Any]) -> None:
            row.update(ward_id=to_ward, municipality=municipality, district=district)

        for referral_id in ids:
            row = self.referrals.get(referral_id)
            if (
                row is not None
                and row["merged_from"] is not None
                and row["household_id"] == survivor_id
                and row["ward_id"] == from_ward
                and row["status"] in OPEN_REFERRAL_STATUSES
            ):
                self._change("referrals", contributions.referral, referral_id, carry, True)

    def follow_need(self, row: dict[str, Any], change: Change) -> None:
        """A need of a merged household changed: its survivor's row holds it too."""
        survivor_id = row["merged_into"]
        if survivor_id is not None and self._cached_household(survivor_id) is not None:
            self._change("households", contributions.household, survivor_id, change, True)
