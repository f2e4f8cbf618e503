"""One household's simulation: its aggregates, its ward and field worker, its timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from domain.households.model import Household
from domain.profile import Dwelling
from domain.referrals.model import Referral
from domain.vocabulary import HouseholdStatus
from sukuma.demo.context import Demo, Timeline, pick
from sukuma.demo.warroom import Slot, WardPlan

VISIT_OUTCOMES: Final = (("met_household", 85.0), ("nobody_home", 12.0), ("refused", 3.0))


@dataclass
class HouseholdSim:
    demo: Demo
    plan: WardPlan  # the household's ward now (a move changes it)
    slot: Slot  # the share of the ward's households its field worker covers
    wards: list[WardPlan]  # every ward planned so far: where a household may move to
    timeline: Timeline
    dwelling: Dwelling | None = None
    household_: Household | None = None
    referrals: list[Referral] = field(default_factory=list)
    first_profiled_at: datetime | None = None
    graduated_at: datetime | None = None
    food_days: int = 0  # meals skipped in the last 7 days, as a visit would hear it now
    moved: bool = False
    graduation_attempts: int = 0

    @property
    def household(self) -> Household:
        assert self.household_ is not None, "the household is registered first"
        return self.household_

    @property
    def household_id(self) -> str:
        return str(self.household.id)

    @property
    def graduated(self) -> bool:
        return self.household.status == HouseholdStatus.GRADUATED

    def worker(self, when: datetime) -> str | None:
        return self.slot.worker_at(when)

    def later(self, when: datetime, low: float, high: float) -> datetime:
        return self.demo.days_after(when, low, high)


def field_worker_actor(worker_id: str) -> str:
    return f"fw:{worker_id}"


def reported_food_days(sim: HouseholdSim) -> int:
    """What the household tells a visiting field worker about skipped meals this week."""
    demo, days = sim.demo, sim.food_days
    if days == 0:
        return 0 if demo.chance(0.9) else demo.rng.randint(1, 2)
    return max(0, min(7, days + demo.rng.randint(-1, 1)))


def record_visit(
    sim: HouseholdSim, worker: str, when: datetime, outcome: str | None = None
) -> bool:
    """A follow-up visit; True when the field worker met the household."""
    demo = sim.demo
    outcome = outcome or pick(demo.rng, VISIT_OUTCOMES)
    met = outcome == "met_household"
    sim.household.record_visit(
        visit_id=demo.id(),
        field_worker_id=worker,
        outcome=outcome,
        days_skipped_meal_last_7=reported_food_days(sim) if met else None,
        note=None,
        occurred_at=when,
        actor=field_worker_actor(worker),
    )
    return met


def resolve(
    sim: HouseholdSim, need_id: str, resolution: str, note: str | None, when: datetime
) -> None:
    """Resolve a need if the domain allows it now (else leave it open: no event)."""
    household = sim.household
    need = household.needs.get(need_id)
    if need is None or not need.is_open or need.open_referral_id is not None:
        return
    if resolution != "no_longer_needed" and need.interventions == 0:
        return
    worker = sim.worker(when)
    actor = field_worker_actor(worker) if worker else sim.plan.convener
    household.resolve_need(
        need_id=need_id, resolution=resolution, note=note, occurred_at=when, actor=actor
    )
    if need.category == "food_security":
        sim.food_days = 0 if sim.demo.chance(0.85) else 1
