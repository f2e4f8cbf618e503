"""The Results and Delivery routine's two printed reports, for a task team (by its area: an
LTT's municipality, a DTT's district, the PTT's province):

- the **stocktake pack**: for each of the team's priorities, each target's trajectory against
  its actual values (a chart and the months as a table), the rating the gap suggests beside
  the rating agreed, the problem level, and what the team's latest stocktake decided, with its
  actions (owner, date, status);
- the **monthly note**: the month's note on each priority (or one, ``priority``), where each
  target stands this month and the month before, the rating last agreed and the stocktake
  actions still open.

Both read the delivery view's queries (``projections.delivery.queries``) under the reader's
scopes, as the API's routes do, and the rules file's rating thresholds.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final
from uuid import UUID

from domain.access.policy import row_scope
from domain.delivery.teams import task_team_id
from domain.delivery.trajectory import month_of
from domain.errors import NotFoundError
from projections.delivery import queries
from web.reports.gather import ReportRequest, Sources

#: The team that answers for each area of a report.
TEAM_OF_LEVEL: Final = {"municipality": "LTT", "district": "DTT", "province": "PTT"}
#: How many months of each target the monthly note shows (this one and the one before).
NOTE_MONTHS: Final = 2


async def _team(sources: Sources, request: ReportRequest) -> dict[str, Any]:
    """The team of the report's area: its row if established, else its kind and code."""
    kind = TEAM_OF_LEVEL[request.level]
    team_id = task_team_id(kind, request.code)
    row = await queries.team(sources.db, team_id, row_scope(sources.principal, "taskteam"))
    return row or {"team_id": team_id, "kind": kind, "code": request.code, "name": None}


async def _priorities(sources: Sources, team: dict[str, Any]) -> list[dict[str, Any]]:
    """The team's priorities the reader sees, each with its targets (in id order)."""
    scope = row_scope(sources.principal, "priority")
    rows, _ = await queries.priorities_page(
        sources.db, scope, (team["kind"], team["code"]), None, 200
    )
    found = [await queries.priority(sources.db, r["priority_id"], scope) for r in rows]
    return [p for p in found if p is not None]


async def _months(sources: Sources, target: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """The target's picture month by month up to ``today`` (planned, actual, suggestion)."""
    actual = await queries.actuals(sources.db, target["target_id"], today)
    return queries.picture(target, actual, today, sources.thresholds)


def _latest_rating(target: dict[str, Any]) -> dict[str, Any] | None:
    """The rating recorded last (for its latest month)."""
    ratings = target["ratings"]
    if not ratings:
        return None
    latest = max(ratings, key=lambda r: r["month"])
    return {**latest, "month": date.fromisoformat(latest["month"])}


def _last_known(months: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest month with an actual value."""
    return next((m for m in reversed(months) if m["actual"] is not None), None)


async def _last_stocktake(sources: Sources, team_id: UUID, today: date) -> dict[str, Any] | None:
    """The team's latest stocktake held by ``today``."""
    rows = await queries.stocktakes(sources.db, row_scope(sources.principal, "stocktake"), team_id)
    return next((s for s in rows if s["held_on"] <= today), None)


def _actions(stocktake: dict[str, Any] | None, today: date) -> dict[str, list[dict[str, Any]]]:
    """The stocktake's actions by priority, each with its date and whether it is overdue."""
    out: dict[str, list[dict[str, Any]]] = {}
    for action in stocktake["actions"] if stocktake else []:
        due = date.fromisoformat(action["due_on"])
        out.setdefault(action["priority_id"], []).append(
            {
                **action,
                "due_on": due,
                "done_on": date.fromisoformat(action["done_on"]) if action["done_on"] else None,
                "overdue": action["status"] == "open" and due < today,
            }
        )
    return out


async def stocktake_pack(sources: Sources, request: ReportRequest) -> dict[str, Any]:
    """What a task team's stocktake looks at, priority by priority."""
    today = request.as_of
    team = await _team(sources, request)
    last = await _last_stocktake(sources, team["team_id"], today)
    actions = _actions(last, today)
    reviews = {(r["priority_id"], r["target_id"]): r for r in (last["reviews"] if last else [])}
    priorities = []
    for priority in await _priorities(sources, team):
        key = str(priority["priority_id"])
        targets = []
        for target in priority["targets"]:
            months = await _months(sources, target, today)
            targets.append(
                {
                    "target": target,
                    "months": months,
                    "known": _last_known(months),
                    "agreed": _latest_rating(target),
                    "review": reviews.get((key, str(target["target_id"]))),
                }
            )
        priorities.append(
            {
                "priority": priority,
                "targets": targets,
                "review": reviews.get((key, None)),
                "decisions": [
                    d for (p, _), r in reviews.items() if p == key for d in r["decisions"]
                ],
                "actions": actions.get(key, []),
            }
        )
    return {"team": team, "stocktake": last, "priorities": priorities}


async def monthly_note(sources: Sources, request: ReportRequest) -> dict[str, Any]:
    """The month's note of a task team (or of one of its priorities)."""
    today = request.as_of
    month = month_of(today)
    team = await _team(sources, request)
    priorities = await _priorities(sources, team)
    if request.priority is not None:
        priorities = [p for p in priorities if p["priority_id"] == request.priority]
        if not priorities:
            raise NotFoundError("priority", request.priority)
    rows = await queries.stocktakes(
        sources.db, row_scope(sources.principal, "stocktake"), team["team_id"]
    )
    open_actions: dict[str, list[dict[str, Any]]] = {}
    for stocktake in (s for s in rows if s["held_on"] <= today):
        for key, found in _actions(stocktake, today).items():
            open_actions.setdefault(key, []).extend(a for a in found if a["status"] == "open")
    out = []
    for priority in priorities:
        notes = [n for n in priority["notes"] if n["month"] <= month.isoformat()]
        # The latest note written for the latest month noted (a later one supersedes).
        note = max(notes, key=lambda n: (n["month"], n["written_on"]), default=None)
        targets = []
        for target in priority["targets"]:
            months = await _months(sources, target, today)
            targets.append(
                {
                    "target": target,
                    "months": months[-NOTE_MONTHS:],
                    "agreed": _latest_rating(target),
                }
            )
        out.append(
            {
                "priority": priority,
                "note": note,
                "note_month": date.fromisoformat(note["month"]) if note else None,
                "targets": targets,
                "actions": open_actions.get(str(priority["priority_id"]), []),
            }
        )
    return {"team": team, "month": month, "priorities": out}
