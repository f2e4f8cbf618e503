"""Which rule clocks a subject's state runs, and since when: pure functions of the state.

Which clocks run (``*_runs``) is asked at every event of a subject; a running clock's row
(``*_row``) is built once a commit, from the subject's state as its last event left it.

A state is JSON (times as ISO strings). A clock row names the subject's areas so that alerts
can be scoped like every other read; thresholds are not applied here but in the rules' SQL,
so changing a threshold in the rules file needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
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
#: A running clock's row from its key and its subject's state (``EarlyWarningView.run_clock``).
Build = Callable[[tuple[str, str], dict[str, Any]], dict[str, Any]]


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def iso(when: datetime) -> str:
    return when.isoformat()


def later(current: str | None, when: datetime) -> str:
    """The later of a state's time (ISO) and ``when``, as ISO (``current`` itself if later:
    a state's times are ``iso``'s own text)."""
    if current is None or datetime.fromisoformat(current) < when:
        return iso(when)
    return current


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


#: EW-01 to EW-03: the clock a referral's status runs (at most one).
REFERRAL_CLOCKS = {
    "made": "referral_unacknowledged",
    "acknowledged": "referral_undelivered",
    "service_delivered": "referral_unverified",
}
#: A household's clocks, in the order they are written.
HOUSEHOLD_KINDS = ("child_unattended", "high_risk_unvisited", "graduate_regressed")


def referral_runs(r: dict[str, Any]) -> tuple[bool, bool, bool]:
    """Which of ``REFERRAL_CLOCKS``' kinds, in its order, the referral's state runs."""
    status = r["status"]
    return status == "made", status == "acknowledged", status == "service_delivered"


def referral_row(key: tuple[str, str], r: dict[str, Any]) -> dict[str, Any]:
    """The row of a referral's running clock ``key`` (EW-01, EW-02 or EW-03)."""
    common = {
        "department": r["department"],
        "referral_id": r["referral_id"],
        "household_id": r["household_id"],
        "category": r["category"],
        "severity": r["severity"],
    }
    kind = key[0]
    if kind == "referral_unacknowledged":
        return clock(r, deadline(r["ack_by"]), ack_by=r["ack_by"], made_at=r["made_at"], **common)
    if kind == "referral_undelivered":
        return clock(r, deadline(r["deliver_by"]), deliver_by=r["deliver_by"], **common)
    return clock(r, at(r["delivered_at"]) or NEVER, delivered_at=r["delivered_at"], **common)


def household_runs(h: dict[str, Any]) -> tuple[bool, bool, bool]:
    """Which of ``HOUSEHOLD_KINDS``, in its order, the household's state (as its clocks see
    it, ``child_since`` set) runs: EW-05 (child at risk without intervention), EW-06 (high
    risk, not visited), EW-11 (a graduate's new high need not followed up)."""
    regressed = h["regressed"]
    settled = h["status"] != "graduated" and all(regressed.values())
    return (
        h["child_since"] is not None,
        h["risk_level"] in HIGH_RISK and h["status"] == "active",
        bool(regressed) and not settled and h["graduated_at"] is not None,
    )


def household_row(key: tuple[str, str], h: dict[str, Any]) -> dict[str, Any]:
    """The row of a household's running clock ``key`` (``h`` as its clocks see it)."""
    kind = key[0]
    if kind == "child_unattended":
        since = max(filter(None, (at(h["child_since"]), at(h["last_intervention_at"]))))
        return clock(
            h,
            since,
            child_headed=h["child_headed"],
            open_needs=len(h["needs"]),
            last_intervention_at=h["last_intervention_at"],
        )
    if kind == "high_risk_unvisited":
        return clock(
            h,
            at(h["last_visit_at"]) or NEVER,
            risk_level=h["risk_level"],
            last_visit_at=h["last_visit_at"],
            field_worker_id=h.get("field_worker_id"),  # whose caseload: who should go
        )
    return clock(
        h,
        datetime.fromisoformat(h["graduated_at"]),
        graduated_at=h["graduated_at"],
        needs=sorted(h["regressed"]),
        status=h["status"],
    )


def child_condition(h: dict[str, Any]) -> bool:
    """Child-headed or with an open child-protection need, and some need of medium or more."""
    at_risk, medium = h["child_headed"], False
    for category, severity in h["needs"].values():  # (one pass: every household event asks)
        at_risk = at_risk or category == CHILD_PROTECTION
        medium = medium or severity in MEDIUM_OR_MORE
    return bool(at_risk and medium)


def field_worker_runs(w: dict[str, Any]) -> bool:
    """EW-07 runs for an active field worker assigned to a ward."""
    return bool(w["active"] and w["wards"])


def field_worker_row(key: tuple[str, str], w: dict[str, Any]) -> dict[str, Any]:
    """EW-07's row: a running field worker's last sign of work."""
    since = max(filter(None, (at(w["assigned_at"]), at(w["last_submission_at"]))))
    return clock(
        w,
        since,
        last_submission_at=w["last_submission_at"],
        wards=w["wards"],
        caseload=w.get("caseload", 0),
    )


def war_room_runs(room_id: str, w: dict[str, Any]) -> tuple[list[tuple[str, str]], list[bool]]:
    """EW-08 (not meeting: always runs) and EW-09 (a seated department absent meeting after
    meeting): the clocks' keys, and whether each runs."""
    keys, runs = [("war_room_quiet", room_id)], [True]
    for department, (absences, _) in w["absences"].items():
        keys.append(("seat_absent", f"{room_id}:{department}"))
        runs.append(bool(absences))
    return keys, runs


def war_room_row(key: tuple[str, str], w: dict[str, Any]) -> dict[str, Any]:
    """The row of a war room's running clock ``key``."""
    if key[0] == "war_room_quiet":
        last = w["last_meeting_at"] or w["established_at"]
        return clock(
            w,
            datetime.fromisoformat(last),
            param=w["cadence_days"],
            last_meeting_at=w["last_meeting_at"],
            cadence_days=w["cadence_days"],
        )
    room_id, department = key[1].split(":", 1)
    absences, first = w["absences"][department]
    return clock(
        w,
        datetime.fromisoformat(first),
        department=department,
        param=absences,
        consecutive_absences=absences,
        war_room_id=room_id,
    )
