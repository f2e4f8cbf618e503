"""Which rule clocks a subject's state runs, and since when: pure functions of the state.

A state is JSON (times as ISO strings). A clock row names the subject's areas so that alerts
can be scoped like every other read; thresholds are not applied here but in the rules' SQL,
so changing a threshold in the rules file needs no rebuild.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.escalation import overdue_from
from domain.vocabulary import Severity

# A household never visited has been "not contacted" since the beginning of time.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
HIGH_RISK = frozenset({"high", "critical"})
CHILD_PROTECTION = "child_protection"
# Severities as the events carry them (text), by rank: a set lookup where an enum's
# construction ran for every open need of every household event.
MEDIUM_OR_MORE = frozenset(s.value for s in Severity if s.rank >= Severity.MEDIUM.rank)
HIGH_OR_MORE = frozenset(s.value for s in Severity if s.rank >= Severity.HIGH.rank)

Clock = dict[str, Any] | None


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def iso(when: datetime) -> str:
    return when.isoformat()


def later(current: str | None, when: datetime) -> str:
    """The later of a state's time (ISO) and ``when``, as ISO."""
    return iso(when if current is None else max(datetime.fromisoformat(current), when))


def deadline(day: str) -> datetime:
    """When a due date is missed (the referrals' ladder counts from the same moment)."""
    return overdue_from(date.fromisoformat(day))


def clock(
    state: dict[str, Any],
    since: datetime,
    *,
    department: str | None = None,
    param: int = 0,
    ward: bool = True,
    **facts: Any,
) -> dict[str, Any]:
    return {
        "since": since,
        "param": param,
        "ward_id": state["ward_id"] if ward else None,
        "municipality": state["municipality"],
        "district": state["district"],
        "department": department,
        "facts": facts,
    }


def referral_clocks(r: dict[str, Any]) -> dict[str, Clock]:
    """EW-01 (not acknowledged), EW-02 (not delivered), EW-03 (delivered, not verified)."""
    common = {
        "department": r["department"],
        "referral_id": r["referral_id"],
        "household_id": r["household_id"],
        "category": r["category"],
        "severity": r["severity"],
    }
    status = r["status"]
    return {
        "referral_unacknowledged": clock(
            r, deadline(r["ack_by"]), ack_by=r["ack_by"], made_at=r["made_at"], **common
        )
        if status == "made"
        else None,
        "referral_undelivered": clock(
            r, deadline(r["deliver_by"]), deliver_by=r["deliver_by"], **common
        )
        if status == "acknowledged"
        else None,
        "referral_unverified": clock(
            r, at(r["delivered_at"]) or NEVER, delivered_at=r["delivered_at"], **common
        )
        if status == "service_delivered"
        else None,
    }


def household_clocks(h: dict[str, Any]) -> dict[str, Clock]:
    """EW-05 (child at risk without intervention), EW-06 (high risk, not visited), EW-11."""
    out: dict[str, Clock] = {
        "child_unattended": None,
        "high_risk_unvisited": None,
        "graduate_regressed": None,
    }
    if h["child_since"] is not None:
        since = max(filter(None, (at(h["child_since"]), at(h["last_intervention_at"]))))
        out["child_unattended"] = clock(
            h,
            since,
            child_headed=h["child_headed"],
            open_needs=len(h["needs"]),
            last_intervention_at=h["last_intervention_at"],
        )
    if h["risk_level"] in HIGH_RISK and h["status"] == "active":
        out["high_risk_unvisited"] = clock(
            h,
            at(h["last_visit_at"]) or NEVER,
            risk_level=h["risk_level"],
            last_visit_at=h["last_visit_at"],
            field_worker_id=h.get("field_worker_id"),  # whose caseload: who should go
        )
    regressed = h["regressed"]
    settled = h["status"] != "graduated" and all(regressed.values())
    if regressed and not settled and h["graduated_at"] is not None:
        out["graduate_regressed"] = clock(
            h,
            datetime.fromisoformat(h["graduated_at"]),
            graduated_at=h["graduated_at"],
            needs=sorted(regressed),
            status=h["status"],
        )
    return out


def child_condition(h: dict[str, Any]) -> bool:
    """Child-headed or with an open child-protection need, and some need of medium or more."""
    at_risk, medium = h["child_headed"], False
    for category, severity in h["needs"].values():  # (one pass: every household event asks)
        at_risk = at_risk or category == CHILD_PROTECTION
        medium = medium or severity in MEDIUM_OR_MORE
    return bool(at_risk and medium)


def field_worker_clock(w: dict[str, Any]) -> Clock:
    """EW-07: an active, assigned field worker's last sign of work."""
    if not w["active"] or not w["wards"]:
        return None
    since = max(filter(None, (at(w["assigned_at"]), at(w["last_submission_at"]))))
    return clock(
        w,
        since,
        last_submission_at=w["last_submission_at"],
        wards=w["wards"],
        caseload=w.get("caseload", 0),
    )


def war_room_clocks(room_id: str, w: dict[str, Any]) -> dict[tuple[str, str], Clock]:
    """EW-08 (not meeting) and EW-09 (a seated department absent meeting after meeting)."""
    last = w["last_meeting_at"] or w["established_at"]
    out: dict[tuple[str, str], Clock] = {
        ("war_room_quiet", room_id): clock(
            w,
            datetime.fromisoformat(last),
            param=w["cadence_days"],
            last_meeting_at=w["last_meeting_at"],
            cadence_days=w["cadence_days"],
        )
    }
    for department, (absences, first) in w["absences"].items():
        out["seat_absent", f"{room_id}:{department}"] = (
            clock(
                w,
                datetime.fromisoformat(first),
                department=department,
                param=absences,
                consecutive_absences=absences,
                war_room_id=room_id,
            )
            if absences
            else None
        )
    return out
