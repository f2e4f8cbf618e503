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
CHILD_PROTECTION_ACK_DAYS = 2  # M13: Form-22-type concerns acknowledged within 2 days

Key = tuple[str, tuple[Any, ...]]


def areas(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (
        ("ward", row["ward_id"]),
        ("municipality", row["municipality"]),
        ("district", row["district"]),
        ("province", PROVINCE),
    )


def household(row: dict[str, Any] | None) -> Counter[Key]:
    """Totals a household adds to its ward and the areas above it: nothing while it is merged
    into another (its open needs are folded into the survivor's row)."""
    out: Counter[Key] = Counter()
    if row is None or row["merged_into"] is not None:
        return out
    metrics = ["households", f"households_{row['status']}"]
    if row["profiled_at"] is not None:
        metrics.append("households_profiled")
    if row["risk_level"]:
        metrics.append(f"risk_{row['risk_level']}")
    if row["status"] == "active" and row["profiled_at"] is not None:
        metrics.append(f"profile_month:{row['profiled_at']:%Y-%m}")  # M2 profile freshness
    open_needs = row["open_needs"]
    # Each key once per call: plain assignment (Counter's += calls __missing__, in Python).
    for level, code in areas(row):
        for metric in metrics:
            out["counts", (level, code, metric)] = 1
        out["counts", (level, code, "needs_open")] = len(open_needs)
        out["counts", (level, code, "needs_open_high")] = row["high_needs"]
    for category, *_ in open_needs.values():
        out["ward_needs", (row["ward_id"], category, row["district"], row["municipality"])] += 1
    return out


# The one definition of "overdue": which due date applies to an open referral in each status.
DUE_BY: dict[str, str] = {"made": "ack_by", "acknowledged": "deliver_by", "disputed": "deliver_by"}


def due_date(row: dict[str, Any]) -> date | None:
    """The date an open referral falls overdue: acknowledgement first, then delivery."""
    column = DUE_BY.get(row["status"])
    return None if column is None else row[column]


def referral(row: dict[str, Any] | None) -> Counter[Key]:
    """Totals a referral adds to its ward's areas and to its department's league table."""
    out: Counter[Key] = Counter()
    if row is None:
        return out
    status, department = row["status"], row["department"]
    is_open = status in OPEN_REFERRAL_STATUSES
    due = due_date(row)
    made_on = row["made_at"].date()
    performance = _performance(row)
    metrics = ["referrals", f"referrals_{status}", *performance]
    if is_open:
        metrics.append("referrals_open")
    # Each key once per call (the metric names are distinct): plain assignment, as above.
    for level, code in areas(row):
        for metric in metrics:
            out["counts", (level, code, metric)] = 1
        if is_open:
            out["made", (level, code, made_on)] = 1  # M8 backlog ageing
        if due is not None:
            out["due", (level, code, due)] = 1
        if level == "ward":
            continue
        for metric in ("received", *(["open"] if is_open else []), *performance):
            out["dept", (department, level, code, metric)] = 1
        if due is not None:
            out["dept_due", (department, level, code, due)] = 1
    return out


def _performance(row: dict[str, Any]) -> list[str]:
    """Service-standard facts of one referral (M5, M6, M7, M13), as metric names."""
    made_on = row["made_at"].date()
    metrics = []
    acknowledged, delivered = row["acknowledged_at"], row["delivered_at"]
    if acknowledged is not None:
        days = (acknowledged.date() - made_on).days
        metrics += ["acknowledged", f"ack_days:{days}"]
        if acknowledged.date() <= row["ack_by"]:
            metrics.append("acknowledged_within")
        if row["category"] == "child_protection" and days <= CHILD_PROTECTION_ACK_DAYS:
            metrics.append("child_protection_ack_2d")
    if row["category"] == "child_protection":
        metrics.append("child_protection_referrals")
    if delivered is not None:
        metrics.append("delivered")
        if delivered.date() <= row["deliver_by"]:
            metrics.append("delivered_within")
    if row["status"] in COMPLETED_STATUSES:
        metrics += ["completed", f"complete_days:{(row['closed_at'].date() - made_on).days}"]
    return metrics
