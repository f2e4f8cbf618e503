"""The household's commands on profile edits made offline from an older base version: merge
them field by field and record the fields two edits set differently as conflicts (their events
and state changes are on ``Household``, where the event store finds them).

Order of arrival never decides: of two values for one field the later ``occurred_at`` stands
(ties: the greater value, so every arrival order agrees) until a convener resolves it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.errors import InvalidCommand, NotFoundError
from domain.households.merge import canonical, document, fields, member_order, merge, set_field
from domain.personal_data import ERASED

# (facts, risk) of a profile: the application's versioned rules, passed in.
Assess = Callable[[dict[str, Any]], tuple[dict[str, int], dict[str, Any]]]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _winner(candidates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return max(candidates.values(), key=lambda c: (_at(c["occurred_at"]), canonical(c["value"])))


def _decoded(sealed: Any) -> Any:
    """A value as JSON text; once its household's key is destroyed it no longer opens."""
    return json.loads(sealed) if isinstance(sealed, str) and sealed != ERASED else ERASED


def _text(sealed: Any) -> str:
    return sealed if isinstance(sealed, str) else canonical(sealed)


class HouseholdRevisions:
    """Merging profile edits and resolving their conflicts: a mixin of ``Household``."""

    # When the current profile was observed, when each field's value was, and the open
    # conflicts by id; class defaults, so households recorded before them load.
    profile_at: datetime | None = None
    field_stamps: dict[str, str] | None = None
    conflicts: dict[str, dict[str, Any]] | None = None
    # A whole profile stamps every one of its fields with its time: that stamp, kept here
    # until a merge, a resolution or an erasure needs the fields listed (``field_stamps``).
    # Listing them as each profile was recorded (``fields``) cost about 3% of an import's
    # CPU, and every replay of a profile paid it again.
    profile_stamp: str | None = None

    id: UUID
    profile: dict[str, Any] | None
    profile_facts: dict[str, int] | None
    profiles_submitted: int
    first_profiled_on: date | None
    last_profiled_on: date | None
    trigger_event: Callable[..., None]
    _ensure_not_erased: Callable[[str], None]
    # The events (nested in ``Household``, where their topics are fixed) apply themselves by
    # calling ``on_*`` methods: ProfileSubmitted's and RiskScored's on ``Household``, these
    # below.
    ProfileSubmitted: type
    RiskScored: type
    ProfileMerged: type
    ProfileConflictRecorded: type
    ProfileConflictResolved: type

    def submit_profile(
        self,
        *,
        profile: dict[str, Any],
        field_worker_id: str | None,
        facts: dict[str, int],
        risk: dict[str, Any],
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Record a profile, its facts and its risk assessment (computed by the caller).

        Its events are triggered by class (the library's public ``trigger_event``) and apply
        themselves (``Household.on_profile_submitted``, ``on_risk_scored``): the events the
        decorated appliers recorded, without the decorators' argument handling (a third or
        more of an event's cost; every import's household records these)."""
        self.trigger_event(
            self.ProfileSubmitted,
            profile=profile,
            field_worker_id=field_worker_id,
            facts=facts,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.trigger_event(self.RiskScored, occurred_at=occurred_at, actor=actor, **risk)

    def open_conflict_on(self, path: str) -> str | None:
        """The id of the open conflict on this field, if any."""
        return next((i for i, c in (self.conflicts or {}).items() if c["path"] == path), None)

    def merge_profile(
        self,
        *,
        base: dict[str, Any],
        base_version: int,
        profile: dict[str, Any],
        field_worker_id: str | None,
        assess: Assess,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """Apply an edit made from ``base`` (the profile at ``base_version``) to the current one.
        Not once erased: the erased fields hold a marker where the edit and its base hold values,
        so the three no longer line up (a whole profile is still taken)."""
        self._ensure_not_erased("merge a profile edit")
        current = self.profile or {}
        plan = merge(base, current, profile)
        flat = fields(current)
        stamps: dict[str, str] = {}
        mine_at = occurred_at.isoformat()
        for path, value in plan.applied.items():
            flat[path], stamps[path] = value, mine_at
        for path in plan.removed:
            flat.pop(path, None)
            stamps[path] = mine_at
        recorded: list[tuple[str, str, list[dict[str, Any]]]] = []
        held = self.current_stamps()
        for path in plan.agreed:  # the value stands, observed again later (keeps order moot)
            if _at(held.get(path) or self._held_since()) < occurred_at:
                stamps[path] = mine_at
            conflict_id = self.open_conflict_on(path)
            if conflict_id is not None:
                candidates = dict((self.conflicts or {})[conflict_id]["candidates"])
                key = canonical(flat.get(path))
                if key in candidates and _at(candidates[key]["occurred_at"]) < occurred_at:
                    candidates[key] = self._candidate(flat.get(path), mine_at, actor)
                    recorded.append((conflict_id, path, list(candidates.values())))
        for clash in plan.clashes:
            conflict_id = self.open_conflict_on(clash.path)
            if conflict_id is None:
                conflict_id = str(uuid.uuid5(self.id, f"{clash.path}:{base_version}:{mine_at}"))
                held_at = held.get(clash.path) or self._held_since()
                candidates = {canonical(clash.current): self._candidate(clash.current, held_at)}
            else:
                candidates = dict((self.conflicts or {})[conflict_id]["candidates"])
            mine = self._candidate(clash.mine, mine_at, actor)
            key = canonical(clash.mine)
            if key not in candidates or _at(candidates[key]["occurred_at"]) < occurred_at:
                candidates[key] = mine
            winner = _winner(candidates)
            flat[clash.path], stamps[clash.path] = winner["value"], winner["occurred_at"]
            recorded.append((conflict_id, clash.path, list(candidates.values())))
        merged = document(flat, member_order(current, profile))
        facts, risk = assess(merged)
        self.trigger_event(
            self.ProfileMerged,
            profile=merged,
            facts=facts,
            field_worker_id=field_worker_id,
            base_version=base_version,
            changed=sorted([*plan.applied, *plan.removed]),
            stamps=stamps,
            occurred_at=occurred_at,
            actor=actor,
        )
        for conflict_id, path, listed in recorded:
            self.trigger_event(
                self.ProfileConflictRecorded,
                conflict_id=conflict_id,
                path=path,
                candidates=[{**c, "value": canonical(c["value"])} for c in listed],
                occurred_at=occurred_at,
                actor=actor,
            )
        self._assessed(risk, occurred_at, actor)

    def resolve_conflict(
        self,
        *,
        conflict_id: str,
        value: Any,
        assess: Assess,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """A convener's choice of a value for a contested field; the risk is scored again."""
        conflict = (self.conflicts or {}).get(conflict_id)
        if conflict is None:
            raise NotFoundError("conflict", conflict_id)
        self._ensure_not_erased("resolve a profile conflict")  # its candidates are blanked
        if canonical(value) not in conflict["candidates"]:
            # The convener arbitrates between what was observed; a new answer is a new profile.
            raise InvalidCommand("value", f"not one of the values submitted for {conflict['path']}")
        profile = set_field(self.profile or {}, conflict["path"], value)
        facts, risk = assess(profile)
        self.trigger_event(
            self.ProfileConflictResolved,
            conflict_id=conflict_id,
            path=conflict["path"],
            value=canonical(value),
            facts=facts,
            occurred_at=occurred_at,
            actor=actor,
        )
        self._assessed(risk, occurred_at, actor)

    def _assessed(self, risk: dict[str, Any], occurred_at: datetime, actor: str) -> None:
        # The merged profile holds answers up to the newest one: its risk is assessed then.
        latest = max(occurred_at, self.profile_at or occurred_at)
        self.trigger_event(self.RiskScored, occurred_at=latest, actor=actor, **risk)

    def current_stamps(self) -> dict[str, str]:
        """When each field's value was observed (by its path); a field not listed: as of
        ``profile_at``."""
        if self.profile_stamp is None:
            return self.field_stamps or {}
        return dict.fromkeys(fields(self.profile or {}), self.profile_stamp)

    def list_stamps(self) -> dict[str, str]:
        """``current_stamps``, kept as ``field_stamps``: before the profile changes otherwise
        than by a whole new one (its fields are listed as they were)."""
        self.field_stamps, self.profile_stamp = self.current_stamps(), None
        return self.field_stamps

    def _held_since(self) -> str:
        return (self.profile_at or datetime.min).isoformat()

    @staticmethod
    def _candidate(value: Any, occurred_at: str, actor: str | None = None) -> dict[str, Any]:
        return {"value": value, "occurred_at": occurred_at, "actor": actor}

    # ---- state changes (each event's ``apply`` calls one; they run again on every replay) -----

    def on_profile_merged(self, e: Any) -> None:
        self.profiles_submitted += 1
        self.field_stamps = {**self.list_stamps(), **e.stamps}
        self.profile, self.profile_facts = e.profile, e.facts
        self.profile_at = max(self.profile_at or e.occurred_at, e.occurred_at)
        on = e.occurred_at.date()
        self.first_profiled_on = min(self.first_profiled_on or on, on)
        self.last_profiled_on = self.profile_at.date()

    def on_conflict_recorded(self, e: Any) -> None:
        keyed = {_text(c["value"]): {**c, "value": _decoded(c["value"])} for c in e.candidates}
        entry = {"path": e.path, "candidates": keyed}
        self.conflicts = {**(self.conflicts or {}), e.conflict_id: entry}

    def on_conflict_resolved(self, e: Any) -> None:
        self.conflicts = {k: c for k, c in (self.conflicts or {}).items() if k != e.conflict_id}
        self.field_stamps = {**self.list_stamps(), e.path: e.occurred_at.isoformat()}
        self.profile = set_field(self.profile or {}, e.path, _decoded(e.value))
        self.profile_facts = e.facts

    def erase_conflicts(self) -> None:
        """A contested answer may be personal: erasure blanks every candidate."""
        self.conflicts = {
            k: {**c, "candidates": {v: {**x, "value": ERASED} for v, x in c["candidates"].items()}}
            for k, c in (self.conflicts or {}).items()
        }
