"""Stocktakes in the workspace: record a task team's stocktake (who came and, for each target
of its priorities, the rating agreed, the problem level, the reason, a decision and an action
with its owner and date), and see one (what it agreed, each action's status, a form to mark
one done) with a link to its printable pack.

The form runs ``hold_stocktake`` as ``POST /v1/task-teams/{id}/stocktakes`` does, with the
ratings the targets' gaps suggest beside those agreed (``queries.suggested_ratings``); a
stocktake is read as ``GET /v1/stocktakes/{id}`` reads it, each target's months as they stood
on the day."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.routers.delivery import Thresholds
from api.routers.taskteams import Fresh
from domain.access.policy import row_scope
from domain.delivery.teams import TEAM_AREA
from domain.errors import InvalidCommand, NotFoundError
from projections.delivery import queries
from web.actions import Act, Note
from web.labels import N_
from web.render import page
from web.results import PROBLEM_LEVELS, RATINGS
from web.session import Csrf, Viewer
from web.task_teams import dated, may, team_row, then

router = APIRouter(include_in_schema=False)
forms = APIRouter(include_in_schema=False, dependencies=[Csrf])

Texts = Annotated[list[str], Form(max_length=50)]


async def _reviewable(db: Any, me: Any, team: dict[str, Any]) -> list[dict[str, Any]]:
    """What a stocktake of the team reviews: each target of its priorities (a priority without
    a target, as itself), in the order the priorities are listed."""
    scope = row_scope(me, "priority")
    rows, _ = await queries.priorities_page(db, scope, (team["kind"], team["code"]), None, 50)
    out = []
    for row in rows:
        priority = await queries.priority(db, row["priority_id"], scope)
        if priority is None:
            continue
        targets = priority["targets"] or [None]
        for target in targets:
            out.append({"priority": priority, "target": target})
    return out


@router.get("/task-teams/{team_id}/stocktakes/new")
async def new_stocktake(
    request: Request, team_id: UUID, me: Viewer, pool: ReadPool, fresh: Fresh
) -> Response:
    team = await team_row(pool, me, team_id)
    return page(
        request,
        "stocktake_new.html",
        team=team,
        seated=[m for m in team["members"] if m["active"]],
        reviews=await _reviewable(pool, me, team),
        ratings=RATINGS,
        levels=PROBLEM_LEVELS,
        stocktake_id=uuid4(),
        may=may(me, team, "stocktake", "hold"),
        fresh=fresh,
    )


def _reviews(
    review: list[str],
    rating: list[int],
    problem_level: list[int],
    reason: list[str],
    decision: list[str],
    action: tuple[list[str], list[str], list[str]],
) -> list[dict[str, Any]]:
    """The form's parallel lists (one entry per review, in order) as the event's reviews."""
    texts, owners, dues = action
    if not (
        len(review) == len(rating) == len(problem_level) == len(reason) == len(decision)
        == len(texts) == len(owners) == len(dues)
    ):  # fmt: skip
        raise InvalidCommand("reviews", "every review needs its rating, level and reason")
    out = []
    for n, key in enumerate(review):
        priority_id, _, target_id = key.partition(":")
        if not reason[n].strip():
            raise InvalidCommand(f"reviews.{n}.reason", "say why the rating was agreed")
        actions = []
        if texts[n].strip():
            if not owners[n].strip() or not dues[n]:
                raise InvalidCommand(f"reviews.{n}.actions", "an action needs an owner and date")
            actions.append(
                {
                    "action_id": str(uuid4()),
                    "text": texts[n].strip(),
                    "owner": owners[n].strip(),
                    "due_on": date.fromisoformat(dues[n]).isoformat(),
                }
            )
        out.append(
            {
                "priority_id": str(UUID(priority_id)),
                "target_id": str(UUID(target_id)) if target_id else None,
                "rating": rating[n],
                "problem_level": problem_level[n],
                "reason": reason[n].strip(),
                "decisions": [decision[n].strip()] if decision[n].strip() else [],
                "actions": actions,
            }
        )
    return out


@forms.post("/task-teams/{team_id}/stocktakes")
async def hold_stocktake(
    team_id: UUID,
    act: Act,
    app: SukumaApp,
    pool: ReadPool,
    clock: Clock,
    thresholds: Thresholds,
    stocktake_id: Annotated[UUID, Form()],
    review: Texts,
    rating: Annotated[list[int], Form(max_length=50)],
    problem_level: Annotated[list[int], Form(max_length=50)],
    reason: Texts,
    decision: Texts,
    action_text: Texts,
    action_owner: Texts,
    action_due: Texts,
    attended: Annotated[list[UUID] | None, Form(max_length=200)] = None,
) -> Response:
    """Record the stocktake; each target reviewed is rated for the month as agreed, beside
    the rating its gap suggests (as the API's route does)."""
    reviews = _reviews(
        review, rating, problem_level, reason, decision, (action_text, action_owner, action_due)
    )
    targets = [UUID(r["target_id"]) for r in reviews if r["target_id"]]
    suggested = await queries.suggested_ratings(
        pool, row_scope(act.principal, "target"), targets, clock().date(), thresholds
    )
    return await run_in_threadpool(
        then,
        act,
        lambda ctx: app.hold_stocktake(
            stocktake_id=stocktake_id,
            team_id=team_id,
            attendee_member_ids=[str(m) for m in attended or []],
            reviews=reviews,
            suggested=suggested,
            ctx=ctx,
        ),
        f"/stocktakes/{stocktake_id}",
        N_("Stocktake recorded."),
    )


@router.get("/stocktakes/{stocktake_id}")
async def stocktake_page(
    request: Request,
    stocktake_id: UUID,
    me: Viewer,
    pool: ReadPool,
    clock: Clock,
    thresholds: Thresholds,
    fresh: Fresh,
) -> Response:
    row = await queries.stocktake(pool, stocktake_id, row_scope(me, "stocktake"))
    if row is None:
        raise NotFoundError("stocktake", stocktake_id)
    team = await team_row(pool, me, row["team_id"])
    day = row["held_on"]
    titles, indicators = {}, {}
    for review in row["reviews"]:
        priority = await queries.priority(
            pool, UUID(review["priority_id"]), row_scope(me, "priority")
        )
        titles[review["priority_id"]] = priority["title"] if priority else review["priority_id"]
        target = None
        if review["target_id"] is not None:
            target = await queries.target(pool, UUID(review["target_id"]), row_scope(me, "target"))
        if target is not None:
            months = await queries.actuals(pool, target["target_id"], day)
            picture = queries.picture(target, months, day, thresholds)
            review["month"] = next((m for m in reversed(picture) if m["actual"] is not None), None)
            indicators[review["target_id"]] = f"{target['indicator']} ({target['code']})"
    names = {m["member_id"]: m["name"] for m in team["members"]}
    return page(
        request,
        "stocktake.html",
        stocktake=row,
        team=team,
        area=TEAM_AREA[team["kind"]],
        titles=titles,
        indicators=indicators,
        attended=[names.get(m, m) for m in row["attendee_member_ids"]],
        actions=dated(row["actions"], "due_on", "done_on"),
        ratings=RATINGS,
        levels=PROBLEM_LEVELS,
        today=clock().date(),
        may=may(me, team, "stocktake", "action"),
        fresh=fresh,
    )


@forms.post("/stocktakes/{stocktake_id}/actions/{action_id}/done")
def complete_action(
    stocktake_id: UUID, action_id: UUID, act: Act, app: SukumaApp, note: Note = ""
) -> Response:
    return then(
        act,
        lambda ctx: app.complete_stocktake_action(
            stocktake_id, str(action_id), note.strip() or None, ctx
        ),
        f"/stocktakes/{stocktake_id}",
        N_("Action done."),
    )
