"""The demo's year of Results and Delivery, read through the API: two priorities, the
graduation target visibly off its trajectory (EW-12 raises for it), stocktakes held (the last
one's open action past its date raises EW-14), a task team's queue and a solution."""

from __future__ import annotations

import httpx

from domain.sukuma import Sukuma
from sukuma.demo import generate
from tests.integration.alerting import alerting
from tests.integration.conftest import Clock


async def test_the_demo_holds_a_year_of_the_routine(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock
) -> None:
    summary = generate(application, 120, seed=7, now=clock.now)
    ew = alerting(application, clock)
    swept = ew.sweep("EW-12", "EW-14")

    priorities = (await client.get("/v1/priorities")).json()["data"]
    by_title = {p["title"]: p for p in priorities}
    graduation = (
        await client.get(
            f"/v1/priorities/{by_title['Households graduate out of poverty']['priority_id']}"
        )
    ).json()
    target = (await client.get(f"/v1/targets/{graduation['targets'][0]['target_id']}")).json()
    done = [m for m in target["months"] if m["complete"]]
    stocktakes = (await client.get("/v1/stocktakes")).json()["data"]
    teams = (await client.get("/v1/task-teams")).json()["data"]
    solutions = (await client.get("/v1/solutions")).json()["data"]

    assert (summary.priorities, summary.stocktakes, summary.task_teams) == (2, 4, 3)
    assert len(priorities) == 2
    assert len(done) >= 11 and all(m["actual"] is not None for m in done)
    assert done[-1]["behind"] > 0.25 and done[-1]["proposed_rating"] == 1  # visibly off
    assert [r["rating"] for r in target["ratings"]] == [3, 2, 2, 1]
    assert len(target["chain"]) == 4 and len(graduation["notes"]) >= 11
    assert len(stocktakes) == 4
    assert sum(a["status"] == "open" for s in stocktakes for a in s["actions"]) == 1
    assert sorted(t["kind"] for t in teams) == ["DTT", "LTT", "PTT"]
    assert [(s["status"], s["rag"]) for s in solutions] == [("implemented", "green")]
    assert swept.raised["EW-12"] == 1
    assert ew.alert("EW-12", target["target_id"]) is not None
    assert swept.raised["EW-14"] == 1
