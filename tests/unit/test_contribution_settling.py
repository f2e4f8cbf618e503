"""Settling a row's change from its short contribution adds exactly what the full keys'
difference adds: the same totals, moved or not, merged or new."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from projections.nerve_centre import contributions
from projections.nerve_centre.projection import NerveCentreProjection
from projections.nerve_centre.rows import CONTRIBUTION, TABLES, Contribution

WARDS = [("KZN225-W01", "KZN225", "DC22"), ("KZN225-W02", "KZN225", "DC22"), ("X-W1", "X", "DC9")]
DAYS = (date(2026, 3, 9), date(2026, 3, 2))
STATUSES = ["made", "acknowledged", "service_delivered", "verified", "disputed", "closed"]


def _where(rng: random.Random) -> dict[str, Any]:
    ward, municipality, district = rng.choice(WARDS)
    return {"ward_id": ward, "municipality": municipality, "district": district}


def _referral(rng: random.Random) -> dict[str, Any]:
    made = datetime(2026, 3, 2, tzinfo=UTC)
    later = made + timedelta(days=rng.randint(0, 5))
    status = rng.choice([*STATUSES, "rejected", "cancelled"])
    return {
        **_where(rng),
        "status": status,
        "department": rng.choice(["DSD", "DOH"]),
        "category": rng.choice(["child_protection", "food"]),
        "made_at": made,
        "acknowledged_at": rng.choice([None, later]),
        "delivered_at": rng.choice([None, later]),
        "closed_at": later,
        "ack_by": date(2026, 3, rng.randint(3, 5)),
        "deliver_by": date(2026, 3, 20),
    }


def _household(rng: random.Random) -> dict[str, Any]:
    needs = {
        f"n{i}": [rng.choice(["food", "water"]), rng.choice(["high", "low"]), "2026-03-02"]
        for i in range(rng.randint(0, 3))
    }
    return {
        **_where(rng),
        "status": rng.choice(["registered", "active", "graduated"]),
        "profiled_at": rng.choice([None, datetime(2026, rng.randint(1, 3), 2, tzinfo=UTC)]),
        "risk_level": rng.choice([None, "low", "high"]),
        "open_needs": needs,
        "high_needs": sum(n[1] == "high" for n in needs.values()),
        "merged_into": rng.choice([None, None, uuid4()]),
    }


def _settled(short: Contribution, before: Any, after: dict[str, Any]) -> Any:
    projection = object.__new__(NerveCentreProjection)
    projection.nc = SimpleNamespace(dated={})  # type: ignore[assignment]
    row = {**after, CONTRIBUTION: before}
    projection._settle(row, short, DAYS)
    return {
        table: {k: v for k, v in deltas.items() if v}
        for table, deltas in projection.nc.dated[DAYS].items()
    }


def _expected(full: Any, before: dict[str, Any] | None, after: dict[str, Any]) -> Any:
    difference: Counter[contributions.Key] = Counter(full(after))
    difference.subtract(full(before))
    out: dict[str, dict[Any, int]] = {t: {} for t in TABLES.values()}
    for (table, key), value in difference.items():
        if value:
            out[TABLES[table]][key] = value
    return out


def test_a_settled_change_adds_the_full_keys_difference() -> None:
    rng = random.Random(7)
    kinds = [
        (_referral, contributions.referral_short, contributions.referral),
        (_household, contributions.household_short, contributions.household),
    ]
    for _ in range(2000):
        make, short, full = rng.choice(kinds)
        before, after = make(rng), make(rng)
        if rng.random() < 0.5:  # most changes leave the row where it is
            after.update({k: before[k] for k in ("ward_id", "municipality", "district")})
        if rng.random() < 0.1:  # a new row: counted nowhere before
            assert _settled(short, contributions.NOWHERE, after) == _expected(full, None, after)
            continue
        assert _settled(short, short(before), after) == _expected(full, before, after)
