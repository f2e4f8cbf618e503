"""The Alert aggregate: deterministic ids, one open episode, upward escalation, resolutions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.alerts.model import Alert, AlertStatus, alert_id
from domain.context import CommandContext
from domain.errors import RuleViolation
from domain.sukuma import Sukuma

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)
SCOPE = {
    "ward_id": "KZN225-W001",
    "municipality": "KZN225",
    "district": "DC22",
    "department": "SASSA",
}


def raised(level: int = 1) -> Alert:
    return Alert(
        id=alert_id("EW-01", "r1"),
        rule="EW-01",
        rule_version="ew01-v1",
        subject="r1",
        level=level,
        evidence={"days": 1},
        scope=SCOPE,
        occurred_at=NOW,
        actor="system:scheduler",
    )


def ctx(days: float = 0) -> CommandContext:
    return CommandContext(actor="system:scheduler", occurred_at=NOW + timedelta(days=days))


def test_the_alert_id_follows_from_rule_and_subject() -> None:
    assert alert_id("EW-01", "r1") == alert_id("EW-01", "r1")
    assert alert_id("EW-01", "r1") != alert_id("EW-02", "r1")
    assert alert_id("EW-01", "r1") != alert_id("EW-01", "r2")


def test_escalation_only_goes_up_and_stops_at_level_4() -> None:
    alert = raised(level=3)
    alert.escalate(4, "unacknowledged", NOW, "system:scheduler")

    with pytest.raises(RuleViolation, match="not up"):
        alert.escalate(4, "again", NOW, "system:scheduler")
    with pytest.raises(RuleViolation, match="levels are 1 to 4"):
        alert.escalate(5, "beyond", NOW, "system:scheduler")
    assert alert.level == 4


def test_acknowledged_once_and_resolution_needs_a_reason() -> None:
    alert = raised()
    alert.acknowledge("on it", None, NOW, "convener")

    with pytest.raises(RuleViolation, match="cannot be acknowledged"):
        alert.acknowledge(None, None, NOW, "convener")
    with pytest.raises(RuleViolation, match="needs a reason"):
        alert.resolve(
            automatic=False,
            reason="  ",
            rule_version=None,
            evidence=None,
            occurred_at=NOW,
            actor="convener",
        )
    alert.resolve(
        automatic=False,
        reason="phoned the department",
        rule_version=None,
        evidence=None,
        occurred_at=NOW,
        actor="convener",
    )
    assert alert.status == AlertStatus.RESOLVED
    with pytest.raises(RuleViolation, match="already resolved"):
        alert.resolve(
            automatic=True,
            reason="cleared",
            rule_version="ew01-v1",
            evidence={},
            occurred_at=NOW,
            actor="system:scheduler",
        )


def test_a_person_s_resolution_stands_until_a_new_situation_begins() -> None:
    alert = raised()
    alert.resolve(
        automatic=False,
        reason="handled offline",
        rule_version=None,
        evidence=None,
        occurred_at=NOW,
        actor="convener",
    )

    assert not alert.may_reopen(NOW - timedelta(days=5))
    assert alert.may_reopen(NOW + timedelta(days=1))


def test_raising_twice_changes_nothing_and_a_cleared_alert_reopens_as_a_new_episode() -> None:
    app = Sukuma()
    first = app.raise_alert(
        rule="EW-06",
        rule_version="ew06-v1",
        subject="h1",
        level=1,
        evidence={},
        scope=SCOPE,
        since=NOW,
        ctx=ctx(),
    )
    again = app.raise_alert(
        rule="EW-06",
        rule_version="ew06-v1",
        subject="h1",
        level=1,
        evidence={},
        scope=SCOPE,
        since=NOW,
        ctx=ctx(),
    )
    app.clear_alert(first.id, "ew06-v1", {}, ctx(1))
    cleared_again = app.clear_alert(first.id, "ew06-v1", {}, ctx(1))
    reopened = app.raise_alert(
        rule="EW-06",
        rule_version="ew06-v1",
        subject="h1",
        level=1,
        evidence={"days": 31},
        scope=SCOPE,
        since=NOW,
        ctx=ctx(31),
    )

    alert = app.get(Alert, first.id)
    assert again.version == first.version == 1
    assert cleared_again.version == 2
    assert reopened.version == 3
    assert (alert.status, alert.episode) == (AlertStatus.OPEN, 2)


def test_escalating_from_a_stale_level_changes_nothing() -> None:
    app = Sukuma()
    written = app.raise_alert(
        rule="EW-02",
        rule_version="ew02-v1",
        subject="r9",
        level=1,
        evidence={},
        scope=SCOPE,
        since=NOW,
        ctx=ctx(),
    )
    app.escalate_alert(
        aid=written.id, from_level=1, to_level=2, reason="3 days unacknowledged", ctx=ctx(3)
    )
    stale = app.escalate_alert(
        aid=written.id, from_level=1, to_level=2, reason="3 days unacknowledged", ctx=ctx(3)
    )

    assert stale.version == 2
    assert app.get(Alert, written.id).level == 2
