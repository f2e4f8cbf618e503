"""A case row's contributions: each (area, metric) once, as the plain assignments assume."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from projections.nerve_centre import contributions

WARD = {"ward_id": "KZN225-W01", "municipality": "KZN225", "district": "DC22"}


def _referral(status: str) -> dict[str, Any]:
    made = datetime(2026, 3, 2, tzinfo=UTC)
    later = datetime(2026, 3, 3, tzinfo=UTC)
    return {
        **WARD,
        "status": status,
        "department": "DSD",
        "category": "child_protection",
        "made_at": made,
        "acknowledged_at": later,
        "delivered_at": later,
        "closed_at": later if status == "closed" else None,
        "ack_by": date(2026, 3, 4),
        "deliver_by": date(2026, 3, 20),
    }


@pytest.mark.parametrize(
    "status", ["made", "acknowledged", "service_delivered", "verified", "disputed", "closed"]
)
def test_a_referral_counts_each_metric_once_per_area(status: str) -> None:
    row = _referral(status)
    performance = contributions._performance(row)
    metrics = ["referrals", f"referrals_{status}", *performance]
    if status in contributions.OPEN_REFERRAL_STATUSES:
        metrics.append("referrals_open")
    assert len(metrics) == len(set(metrics)), metrics
    out = contributions.referral(row)
    for level, code in contributions.areas(row):
        counted = {
            k[1][2]: v for k, v in out.items() if k[0] == "counts" and k[1][:2] == (level, code)
        }
        assert counted == dict.fromkeys(metrics, 1)


def test_a_household_counts_its_needs_by_category_across_needs() -> None:
    row = {
        **WARD,
        "status": "active",
        "profiled_at": datetime(2026, 3, 2, tzinfo=UTC),
        "risk_level": "high",
        "open_needs": {"n1": ["food", "high", "2026-03-02"], "n2": ["food", "low", "2026-03-03"]},
        "high_needs": 1,
        "merged_into": None,
    }
    out = contributions.household(row)
    assert out["ward_needs", ("KZN225-W01", "food", "DC22", "KZN225")] == 2
    assert out["counts", ("province", "KZN", "needs_open")] == 2
    assert out["counts", ("district", "DC22", "households")] == 1


def test_a_household_merged_into_another_counts_for_nothing_of_its_own() -> None:
    # Its open needs are folded into its survivor's row (projections.nerve_centre.merges)
    row = {
        **WARD,
        "status": "active",
        "profiled_at": datetime(2026, 3, 2, tzinfo=UTC),
        "risk_level": "high",
        "open_needs": {"n1": ["food", "high", "2026-03-02"]},
        "high_needs": 1,
        "merged_into": uuid4(),
    }
    assert contributions.household(row) == Counter()
