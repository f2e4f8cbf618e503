"""How the early-warning states follow a merge of duplicate households, and its undoing.

While a household is merged its own state is kept as it is, marked ``merged_into``, its
clocks are stopped (it raises nothing of its own) and it leaves its field worker's caseload
(EW-07); its survivor's state holds a copy of what
its clocks read from it (``absorbed``: needs, last visit, last intervention), so the
survivor's clocks count the duplicate's visits and needs. An unmerge drops the copy and the
mark, and both households' clocks run as before; a survivor's clock the merge started (its
duplicate's child-protection need, say) is removed, not left stopped (``merge_started``), so
merge then unmerge leaves the clocks as if neither happened.

Its open referrals are followed up in the survivor's ward while merged: their clocks (EW-01
to EW-03) and EW-10's series move with each referral's own ``Referral.HandedOver`` (the
merge's, a survivor's move's and the unmerge's, saved with the households' events and
handled as ``Rehomed`` is), so the rule of which ones go where is the domain's alone
(``domain.referrals.moves``). The work is done on the merge's events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.households.model import Household
from projections.early_warning import clocks
from projections.early_warning.clocks import HOUSEHOLD_KINDS
from projections.early_warning.states import SubjectStates
from projections.early_warning.view import StateKey

#: What the survivor's clocks read from a merged-in household.
ABSORBED = ("needs", "last_visit_at", "last_intervention_at")
#: ``HOUSEHOLD_KINDS``, named: a household's keys made without a loop at every event
_CHILD, _HIGH, _GRADUATE = HOUSEHOLD_KINDS
#: A merged household runs no clock of its own.
_NONE_RUN = (False,) * len(HOUSEHOLD_KINDS)


def _tag(key: StateKey) -> str:
    return f"{key[0]}|{key[1]}"  # as a state's ``running`` names its clocks


def _latest(*stamps: str | None) -> str | None:
    return max(filter(None, stamps), key=datetime.fromisoformat, default=None)


def as_seen(h: dict[str, Any]) -> dict[str, Any]:
    """A household's state as its clocks read it: with its merged-in households' records."""
    absorbed = h.get("absorbed")
    if not absorbed:
        return h
    seen = dict(h)
    for theirs in absorbed.values():
        seen["needs"] = {**seen["needs"], **theirs["needs"]}
        for stamp in ("last_visit_at", "last_intervention_at"):
            seen[stamp] = _latest(seen[stamp], theirs[stamp])
    return seen


def _household_row(key: StateKey, h: dict[str, Any]) -> dict[str, Any]:
    return clocks.household_row(key, as_seen(h))


class MergedStates(SubjectStates):
    """The merge's handlers' work, mixed into ``EarlyWarningProjection``."""

    def household_clocks(self, key: str, h: dict[str, Any], when: datetime) -> None:
        """Write the household's clocks from its state (none while it is merged); ``when``:
        the event's time, when a child's risk starts with it."""
        # (h itself unless it absorbed a duplicate: then a copy)
        seen = as_seen(h) if "absorbed" in h else h
        if clocks.child_condition(seen):
            h["child_since"] = h["child_since"] or clocks.iso(when)
        else:
            h["child_since"] = None
        seen["child_since"] = h["child_since"]
        runs = _NONE_RUN if h.get("merged_into") else clocks.household_runs(seen)
        if not self._idle(h, runs):
            self._clocks(h, [(_CHILD, key), (_HIGH, key), (_GRADUATE, key)], runs, _household_row)

    def _household_state(self, key: str) -> dict[str, Any] | None:
        if ("household", key) not in self.cache:
            self.cache.update(self.ew.load_states({("household", key)}))
        return self.cache.get(("household", key))

    def due(self, r: dict[str, Any], sign: int) -> None:
        """EW-10's series: referrals due for an answer on a day, and those answered in time."""
        key = (r["ack_by"], r["district"], r["municipality"], r["department"])
        self.ew.department_days[(*key, "due")] += sign
        if r["answered_within"]:
            self.ew.department_days[(*key, "answered_within")] += sign

    def follow_merge(self, e: Household.MergedInto | Household.MergeUndone) -> None:
        into = isinstance(e, Household.MergedInto)
        key = str(e.originator_id)
        duplicate, survivor = self._household_state(key), self._household_state(e.survivor_id)
        if duplicate is None or survivor is None:
            return  # registered before a gap in the log (never in a whole log)
        if into:
            duplicate["merged_into"] = e.survivor_id
        else:
            duplicate.pop("merged_into", None)
        self._put("household", key, duplicate)
        # EW-07 reads a field worker's caseload: a merged household is in none
        worker = duplicate.get("field_worker_id")
        if worker and ("field_worker", worker) not in self.cache:
            self.cache.update(self.ew.load_states({("field_worker", worker)}))
        self._caseload(worker, -1 if into else 1, None)
        when = e.occurred_at
        self.household_clocks(key, duplicate, when)
        self._absorb(e.survivor_id, survivor, key, duplicate if into else None, when)

    def follow_duplicate(self, key: str, h: dict[str, Any], when: datetime) -> None:
        """A merged household changed (its referral closed a need): its survivor's copy too."""
        survivor_id = h.get("merged_into")
        survivor = self._household_state(survivor_id) if survivor_id else None
        if survivor_id and survivor is not None:
            self._absorb(survivor_id, survivor, key, h, when)

    def _absorb(
        self,
        key: str,
        survivor: dict[str, Any],
        duplicate_id: str,
        h: dict[str, Any] | None,
        when: datetime,
    ) -> None:
        absorbed = {k: v for k, v in survivor.get("absorbed", {}).items() if k != duplicate_id}
        if h is not None:
            absorbed[duplicate_id] = {field: h[field] for field in ABSORBED}
        if absorbed:
            survivor["absorbed"] = absorbed
        else:
            survivor.pop("absorbed", None)
        self._put("household", key, survivor)
        keys = [(kind, key) for kind in HOUSEHOLD_KINDS]
        pending = {k: self.ew.clocks.get(k) for k in keys}
        before = set(survivor.get("running", ()))
        self.household_clocks(key, survivor, when)
        started = [k for k in keys if _tag(k) in survivor["running"] and _tag(k) not in before]
        self._note_started(survivor, started, pending)
        self._drop_unstarted(survivor)

    def _note_started(
        self,
        survivor: dict[str, Any],
        started: list[StateKey],
        pending: dict[StateKey, dict[str, Any] | None],
    ) -> None:
        """Remember the clocks a merged-in household started on its survivor that had no row
        before (one query per merge, for rows of earlier pages): the unmerge removes them."""
        unknown = [k for k in started if "drop" in (pending[k] or {"drop": 0})]
        stored = self.ew.stored_clocks(unknown)
        new = {_tag(k) for k in unknown if k not in stored}
        if new:
            survivor["merge_started"] = sorted({*survivor.get("merge_started", ()), *new})

    def _drop_unstarted(self, survivor: dict[str, Any]) -> None:
        """A clock the merge started and that no longer runs leaves no row (as if the merge
        never happened), where it would otherwise stay stopped."""
        started = survivor.pop("merge_started", ())
        running = set(survivor["running"])
        for tag in started:
            if tag not in running:
                kind, subject = tag.split("|", 1)
                self.ew.drop_clock((kind, subject))
        kept = [t for t in started if t in running]
        if kept and survivor.get("absorbed"):
            survivor["merge_started"] = kept
