"""What one case row contributes to the area totals.

Every handler takes a row's contribution before and after the event and adds the difference:
a move between wards, a status change or a new risk level then updates every total at every
level by the same rule, and nothing is counted twice or forgotten.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

PROVINCE = "KZN"
OPEN_REFERRAL_STATUSES = frozenset(
    {"made", "acknowledged", "service_delivered", "verified", "disputed"}
)
COMPLETED_STATUSES = frozenset({"closed"})

Key = tuple[str, tuple[Any, ...]]


def areas(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (
        ("ward", row["ward_id"]),
        ("municipality", row["municipality"]),
        ("district", row["district"]),
        ("province", PROVINCE),
    )


def household(row: dict[str, Any] | None) -> Counter[Key]:
    """Totals a household adds to its ward and the areas above it."""
    out: Counter[Key] = Counter()
    if row is None:
        return out
    metrics = ["households", f"households_{row['status']}"]
    if row["profiled_at"] is not None:
        metrics.append("households_profiled")
    if row["risk_level"]:
        metrics.append(f"risk_{row['risk_level']}")
    open_needs = row["open_needs"]
    for level, code in areas(row):
        for metric in metrics:
            out["counts", (level, code, metric)] += 1
        out["counts", (level, code, "needs_open")] += len(open_needs)
        out["counts", (level, code, "needs_open_high")] += row["high_needs"]
    for category, _ in open_needs.values():
        out["ward_needs", (row["ward_id"], category, row["district"], row["municipality"])] += 1
    return out


def due_date(row: dict[str, Any]) -> date | None:
    """The date an open referral falls overdue: acknowledgement first, then delivery."""
    if row["status"] == "made":
        return row["ack_by"]  # type: ignore[no-any-return]
    if row["status"] in ("acknowledged", "disputed"):
        return row["deliver_by"]  # type: ignore[no-any-return]
    return None


def referral(row: dict[str, Any] | None) -> Counter[Key]:
    """Totals a referral adds to its ward's areas and to its department's league table."""
    out: Counter[Key] = Counter()
    if row is None:
        return out
    status, department = row["status"], row["department"]
    is_open = status in OPEN_REFERRAL_STATUSES
    due = due_date(row)
    for level, code in areas(row):
        out["counts", (level, code, "referrals")] += 1
        out["counts", (level, code, f"referrals_{status}")] += 1
        if is_open:
            out["counts", (level, code, "referrals_open")] += 1
        if due is not None:
            out["due", (level, code, due)] += 1
        if level == "ward":
            continue
        out["dept", (department, level, code, "received")] += 1
        if is_open:
            out["dept", (department, level, code, "open")] += 1
        if due is not None:
            out["dept_due", (department, level, code, due)] += 1
        acknowledged = row["acknowledged_at"]
        if acknowledged is not None:
            days = (acknowledged.date() - row["made_at"].date()).days
            out["dept", (department, level, code, "acknowledged")] += 1
            out["dept", (department, level, code, f"ack_days:{days}")] += 1
            if acknowledged.date() <= row["ack_by"]:
                out["dept", (department, level, code, "acknowledged_within")] += 1
        delivered = row["delivered_at"]
        if delivered is not None and delivered.date() <= row["deliver_by"]:
            out["dept", (department, level, code, "delivered_within")] += 1
        if status in COMPLETED_STATUSES:
            days = (row["closed_at"].date() - row["made_at"].date()).days
            out["dept", (department, level, code, "completed")] += 1
            out["dept", (department, level, code, f"complete_days:{days}")] += 1
    return out
