"""What one case row contributes to the area totals.

Every handler takes a row's contribution before and after the event and adds the difference:
a move between wards, a status change or a new risk level then updates every total at every
level by the same rule, and nothing is counted twice or forgotten.

A row's contribution is kept short (``Short``): its scope (its areas, and a referral's
department) and its parts, ``(table, member) -> value``, each counted at every level its
table counts at (``spread``). A change that leaves the scope alone (most) then compares a
dozen parts, not the sixty keys they spread to, and spreads only the parts that changed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from typing import Any

PROVINCE = "KZN"
OPEN_REFERRAL_STATUSES = frozenset(
    {"made", "acknowledged", "service_delivered", "verified", "disputed"}
)
COMPLETED_STATUSES = frozenset({"closed"})
CHILD_PROTECTION_ACK_DAYS = 2  # M13: Form-22-type concerns acknowledged within 2 days

Key = tuple[str, tuple[Any, ...]]
Scope = tuple[str, str, str, str | None]  # ward, municipality, district, department
Part = tuple[str, Any]  # (table, member): a metric, a day made or due, a need's category
Short = tuple[Scope | None, dict[Part, int]]  # None: counted nowhere
NOWHERE: Short = (None, {})


def areas(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (
        ("ward", row["ward_id"]),
        ("municipality", row["municipality"]),
        ("district", row["district"]),
        ("province", PROVINCE),
    )


@cache
def prefixes(scope: Scope) -> dict[str, tuple[tuple[tuple[Any, ...], tuple[Any, ...]], ...]]:
    """Each table's (prefix, suffix) pairs in ``scope``: a part's keys are ``(*prefix, member,
    *suffix)``, at every level, but a department's league's (no ward level) and a ward's
    needs (its own: ward, category, district, municipality)."""
    ward, municipality, district, department = scope
    every = areas({"ward_id": ward, "municipality": municipality, "district": district})
    at_every = tuple((area, ()) for area in every)
    league = tuple(((department, *area), ()) for area in every[1:])
    return {
        "counts": at_every,
        "made": at_every,
        "due": at_every,
        "dept": league,
        "dept_due": league,
        "ward_needs": (((ward,), (district, municipality)),),
    }


def spread(short: Short) -> Counter[Key]:
    """A short contribution as the totals' keys and values it adds."""
    scope, parts = short
    out: Counter[Key] = Counter()
    if scope is not None:
        keyed = prefixes(scope)
        for (table, member), value in parts.items():
            for prefix, suffix in keyed[table]:
                out[table, (*prefix, member, *suffix)] = value
    return out


def household(row: dict[str, Any] | None) -> Counter[Key]:
    """Totals a household adds to its ward and the areas above it: nothing while it is merged
    into another (its open needs are folded into the survivor's row)."""
    return spread(household_short(row))


def household_short(row: dict[str, Any] | None) -> Short:
    """``household``, short."""
    if row is None or row["merged_into"] is not None:
        return NOWHERE
    metrics = ["households", f"households_{row['status']}"]
    if row["profiled_at"] is not None:
        metrics.append("households_profiled")
    if row["risk_level"]:
        metrics.append(f"risk_{row['risk_level']}")
    if row["status"] == "active" and row["profiled_at"] is not None:
        metrics.append(f"profile_month:{row['profiled_at']:%Y-%m}")  # M2 profile freshness
    open_needs = row["open_needs"]
    parts: dict[Part, int] = {("counts", metric): 1 for metric in metrics}
    parts["counts", "needs_open"] = len(open_needs)
    parts["counts", "needs_open_high"] = row["high_needs"]
    for category, *_ in open_needs.values():
        part = "ward_needs", category
        parts[part] = parts.get(part, 0) + 1
    return (row["ward_id"], row["municipality"], row["district"], None), parts


# The one definition of "overdue": which due date applies to an open referral in each status.
DUE_BY: dict[str, str] = {"made": "ack_by", "acknowledged": "deliver_by", "disputed": "deliver_by"}


def due_date(row: dict[str, Any]) -> date | None:
    """The date an open referral falls overdue: acknowledgement first, then delivery."""
    column = DUE_BY.get(row["status"])
    return None if column is None else row[column]


def referral(row: dict[str, Any] | None) -> Counter[Key]:
    """Totals a referral adds to its ward's areas and to its department's league table."""
    return spread(referral_short(row))


def referral_short(row: dict[str, Any] | None) -> Short:
    """``referral``, short."""
    if row is None:
        return NOWHERE
    status, department = row["status"], row["department"]
    is_open = status in OPEN_REFERRAL_STATUSES
    due = due_date(row)
    made_on = row["made_at"].date()
    performance = _performance(row)
    metrics = ["referrals", f"referrals_{status}", *performance]
    if is_open:
        metrics.append("referrals_open")
    parts: dict[Part, int] = {("counts", metric): 1 for metric in metrics}
    if is_open:
        parts["made", made_on] = 1  # M8 backlog ageing
    if due is not None:
        parts["due", due] = parts["dept_due", due] = 1
    for metric in ("received", *(["open"] if is_open else []), *performance):
        parts["dept", metric] = 1
    scope = (row["ward_id"], row["municipality"], row["district"], department)
    return scope, parts


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
