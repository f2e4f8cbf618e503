"""The referral ladder swept by windows against real PostgreSQL: after a first whole pass,
each sweep looks only at the clocks changed or crossing a level since the ladder's mark, and
still misses no referral (a failed command, a changed ladder, a lagging nerve centre)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from domain.escalation import overdue_from
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from projections.registry import PROJECTIONS, open_projections
from projections.runner import BatchRunner
from scheduler.referral_ladder import BEHIND_THE_LADDER, CHANGED_BEHIND_THE_LADDER, LADDER_MARK
from scheduler.rules.config import EscalationConfig, load_rules_file
from scheduler.summary import Summary
from scheduler.sweeper import Sweeper
from tests.integration.alerting import Alerting, alerting
from tests.integration.conftest import Clock
from tests.integration.test_alert_scheduler import overdue_referrals

Passes = list[tuple[str, int]]


def ladder_passes(sweeper: Sweeper, monkeypatch: pytest.MonkeyPatch) -> Passes:
    """Each ladder pass of ``sweeper`` from now on: ``("full" | "changed", rows found)``."""
    passes: Passes = []
    query = sweeper._query
    kinds = {BEHIND_THE_LADDER: "full", CHANGED_BEHIND_THE_LADDER: "changed"}

    def spy(template: str, params: dict[str, Any], **parts: Any) -> list[dict[str, Any]]:
        rows = query(template, params, **parts)
        if template in kinds:
            passes.append((kinds[template], len(rows)))
        return rows

    monkeypatch.setattr(sweeper, "_query", spy)
    return passes


@pytest.fixture
def ew(application: Sukuma, clock: Clock) -> Alerting:
    return alerting(application, clock)


@pytest.fixture
def passes(ew: Alerting, monkeypatch: pytest.MonkeyPatch) -> Passes:
    return ladder_passes(ew.sweeper, monkeypatch)


async def overdue_since(client: httpx.AsyncClient, referral_id: str) -> datetime:
    response = await client.get(f"/v1/referrals/{referral_id}")
    return overdue_from(date.fromisoformat(response.json()["ack_by"]))


async def overdue_by(client: httpx.AsyncClient, ward_id: str, ew: Alerting, days: float) -> str:
    """A new referral, and the sweep's clock moved on to ``days`` after it became overdue."""
    (referral_id,) = await overdue_referrals(client, ward_id, 1)
    ew.clock.now = await overdue_since(client, referral_id) + timedelta(days=days)
    return referral_id


def level(ew: Alerting, referral_id: str) -> int:
    return ew.app.get(Referral, UUID(referral_id)).escalation_level


def ladder_cutoff(ew: Alerting) -> datetime | None:
    mark = ew.sweeper.marks.load().get(LADDER_MARK)
    return mark.cutoff if mark else None


async def test_a_referral_crossing_level_2_between_two_sweeps_is_escalated_by_the_second(
    client: httpx.AsyncClient, ward_id: str, ew: Alerting, passes: Passes
) -> None:
    referral_id = await overdue_by(client, ward_id, ew, days=1)

    summaries = [ew.sweep()]  # the first: every overdue referral, and the mark
    ew.clock.advance(days=1)  # 2 days overdue: still level 1
    summaries.append(ew.sweep())
    ew.clock.advance(days=1.5)  # 3.5 days overdue: level 2 since half a day
    summaries.append(ew.sweep())
    full = ew.sweeper.run(full=True)

    assert [s.escalated["referrals"] for s in summaries] == [1, 0, 1]
    assert level(ew, referral_id) == 2
    assert passes == [("full", 1), ("changed", 0), ("changed", 1), ("full", 0)]
    assert full.total() == {"raised": 0, "escalated": 0, "resolved": 0, "failed": 0}


async def test_a_referral_whose_escalation_failed_is_escalated_by_the_next_sweep(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    ew: Alerting,
    passes: Passes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    referral_id = await overdue_by(client, ward_id, ew, days=1)
    ew.sweep()
    first = clock.now
    follow = application.follow_escalation_ladder
    broken = True

    def sometimes(*args: Any, **kwargs: Any) -> Any:
        if broken:
            raise RuntimeError("the event store is away")
        return follow(*args, **kwargs)

    monkeypatch.setattr(application, "follow_escalation_ladder", sometimes)
    clock.advance(days=2.5)  # 3.5 days overdue: level 2, crossed in this sweep's window
    failed = ew.sweep()
    kept = ladder_cutoff(ew)
    broken = False
    clock.advance(hours=1)  # this window alone holds no crossing: the kept mark's does
    retried = ew.sweep()

    assert (failed.failed["referrals"], failed.escalated["referrals"]) == (1, 0)
    assert kept == first  # the failed pass did not move the mark
    assert (retried.failed["referrals"], retried.escalated["referrals"]) == (0, 1)
    assert level(ew, referral_id) == 2
    assert [kind for kind, _ in passes] == ["full", "changed", "changed"]
    assert ladder_cutoff(ew) == clock.now


async def test_a_stopped_ladder_pass_leaves_the_mark_where_it_was(
    client: httpx.AsyncClient, ward_id: str, ew: Alerting
) -> None:
    referral_id = await overdue_by(client, ward_id, ew, days=4)
    ew.project()

    ew.sweeper.stop()
    ew.sweeper._escalate_referrals(ew.clock.now, Summary())

    assert ladder_cutoff(ew) is None
    assert level(ew, referral_id) == 0


async def test_a_changed_ladder_means_a_full_ladder_pass(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_rules_file()
    ew = alerting(application, clock, config)
    referral_id = await overdue_by(client, ward_id, ew, days=2)
    ew.sweep()
    quicker = config.model_copy(update={"escalation": EscalationConfig(after_days=[1, 7, 14])})
    changed = alerting(application, clock, quicker)
    passes = ladder_passes(changed.sweeper, monkeypatch)

    summaries = [changed.sweep(), changed.sweep()]  # the same moment: no window at all

    assert passes == [("full", 1), ("changed", 0)]
    assert [s.escalated["referrals"] for s in summaries] == [1, 0]
    assert level(ew, referral_id) == 2  # 2 days overdue: level 2 after 1 day now


async def test_a_referral_the_lagging_nerve_centre_had_not_written_is_not_lost(
    client: httpx.AsyncClient, ward_id: str, ew: Alerting, passes: Passes
) -> None:
    application = ew.app
    (seen,) = await overdue_referrals(client, ward_id, 1)
    ew.project()
    (lagging,) = await overdue_referrals(client, ward_id, 1)
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    but_nerve_centre = [name for name in PROJECTIONS if name != "nerve_centre"]
    BatchRunner(
        application.recorder,  # type: ignore[arg-type]
        application.name,
        open_projections(datastore, but_nerve_centre),
    ).run_once()
    ew.clock.now = await overdue_since(client, lagging) + timedelta(days=1)

    before = ew.sweeper.run()  # the lagging referral's clock is there, its row not yet
    ew.project()
    after = ew.sweeper.run()  # the same moment: only the clocks past the mark's position

    assert (before.escalated["referrals"], after.escalated["referrals"]) == (1, 1)
    assert (level(ew, seen), level(ew, lagging)) == (1, 1)
    assert passes == [("full", 1), ("changed", 1)]


async def test_a_second_sweep_over_unchanged_views_issues_nothing(
    client: httpx.AsyncClient,
    application: Sukuma,
    clock: Clock,
    ward_id: str,
    ew: Alerting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    referral_ids = await overdue_referrals(client, ward_id, 3)
    clock.now = await overdue_since(client, referral_ids[0]) + timedelta(days=11)
    ew.sweep()
    versions = [application.get(Referral, UUID(r)).version for r in referral_ids]
    passes = ladder_passes(ew.sweeper, monkeypatch)
    calls: list[UUID] = []
    follow = application.follow_escalation_ladder

    def counted(referral_id: UUID, *args: Any, **kwargs: Any) -> Any:
        calls.append(referral_id)
        return follow(referral_id, *args, **kwargs)

    monkeypatch.setattr(application, "follow_escalation_ladder", counted)

    again = ew.sweep()
    clock.advance(hours=1)
    later = ew.sweep()

    assert [level(ew, r) for r in referral_ids] == [3, 3, 3]
    assert passes == [("changed", 0), ("changed", 0)]
    assert calls == []
    assert again.total()["failed"] == later.total()["failed"] == 0
    assert [application.get(Referral, UUID(r)).version for r in referral_ids] == versions
