"""Task teams (LTT, DTT, PTT) in the workspace: the teams a reader sees, and one team's
members and department seats, meetings with attendance, action items, its stocktakes and its
queue (the open alerts at its ladder level and the referrals escalated to it, in its area).

A team is read from the delivery view as ``GET /v1/task-teams/{id}`` reads it, its queue as
``GET /v1/task-teams/{id}/queue`` does (``projections.delivery.queries.queue``, shaped by
``api.personal``). Each form runs the application command the API's route runs, as the
signed-in user and against the version the page showed (a team changed meanwhile answers
412), then shows the team once the view has the write (``?min_position=``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.personal import CaseRows
from api.routers.taskteams import Fresh
from domain.access.members import member_may
from domain.access.policy import Decision, decide, row_scope
from domain.access.principal import Principal
from domain.context import CommandContext, Written
from domain.delivery.teams import TEAM_AREA, TEAM_LEVEL, team_location
from domain.errors import NotFoundError
from projections.delivery import queries
from projections.war_rooms import agenda
from web.actions import Act, Acting, Note
from web.labels import N_
from web.render import page, redirect
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False)
forms = APIRouter(include_in_schema=False, dependencies=[Csrf])

#: Rows of each list of a team's queue, and its latest meetings shown.
QUEUE_ROWS = 50
MEETINGS_SHOWN = 12
#: The team seats a member may hold (``api.schemas.delivery.TeamSeat``).
SEATS = (
    ("chair", N_("Chair")),
    ("secretariat", N_("Secretariat")),
    ("department", N_("Department")),
    ("nerve_centre", N_("Nerve centre")),
    ("member", N_("Member")),
)

Name = Annotated[str, Form(min_length=1, max_length=200)]
Text = Annotated[str, Form(min_length=1, max_length=2000)]


def dated(entries: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    """A row's JSON list with its ISO dates as dates, for the page."""
    return [
        {**e, **{f: None if e[f] is None else date.fromisoformat(str(e[f])) for f in fields}}
        for e in entries
    ]


async def team_row(db: Any, me: Principal, team_id: UUID) -> dict[str, Any]:
    """The team as its view holds it, if the reader sees it (else not found)."""
    row = await queries.team(db, team_id, row_scope(me, "taskteam"))
    if row is None:
        raise NotFoundError("task team", team_id)
    return row


def may(me: Principal, team: dict[str, Any], kind: str, *verbs: str) -> dict[str, bool]:
    """What the reader may do to the team's ``kind`` of object: by role in its area (the
    policy), or as a user seated in it (``member_may``)."""
    at = team_location(team["kind"], team["code"])
    users = {m["username"] for m in team["members"] if m["active"] and m.get("username")}
    return {
        v: decide(me, f"{kind}.{v}", at) is Decision.ALLOW or member_may(me, f"{kind}.{v}", users)
        for v in verbs
    }


@router.get("/task-teams")
async def task_teams(request: Request, me: Viewer, pool: ReadPool, fresh: Fresh) -> Response:
    """The task teams the reader sees, with their ladder level."""
    rows = await queries.teams(pool, row_scope(me, "taskteam"), None)
    return page(request, "task_teams.html", teams=rows, levels=TEAM_LEVEL, fresh=fresh)


@router.get("/task-teams/{team_id}")
async def task_team(
    request: Request,
    team_id: UUID,
    me: Viewer,
    pool: ReadPool,
    app: SukumaApp,
    clock: Clock,
    fresh: Fresh,
) -> Response:
    team = await team_row(pool, me, team_id)
    today = clock().date()
    referral_scope = row_scope(me, "referral")
    alerts, referrals = await queries.queue(pool, team, me, referral_scope, today, QUEUE_ROWS)
    shaped = CaseRows(app, me)
    endpoint = "GET /task-teams/{id}"
    members = dated(team["members"], "joined_on", "left_on")
    meetings = [
        {**m, "absent": agenda.absent_at(team, m)}
        for m in agenda.recent_meetings(team, MEETINGS_SHOWN)
    ]
    items = dated(team["action_items"], "due_on", "agreed_on", "done_on")
    catalogue = await run_in_threadpool(app.catalogue)
    return page(
        request,
        "task_team.html",
        team=team,
        level=TEAM_LEVEL[team["kind"]],
        area=TEAM_AREA[team["kind"]],
        names={m["member_id"]: m["name"] for m in members},
        seated=[m for m in members if m["active"]],
        meetings=dated(meetings, "held_on"),
        open_items=[i for i in items if i["status"] == "open"],
        done_items=[i for i in items if i["status"] == "done"][-MEETINGS_SHOWN:],
        alerts=await shaped.page(alerts, endpoint),
        referrals=await shaped.page(referrals, endpoint),
        stocktakes=await queries.stocktakes(pool, row_scope(me, "stocktake"), team_id),
        today=today,
        may=may(me, team, "taskteam", "member", "meeting", "action_item")
        | may(me, team, "stocktake", "hold"),
        seats=SEATS,
        seat_names=dict(SEATS),
        departments=[d for d in catalogue.departments if not d.retired],
        new_meeting_id=uuid4(),
        fresh=fresh,
    )


def then(
    act: Acting, command: Callable[[CommandContext], Written], url: str, notice: str
) -> Response:
    """Run ``command`` as the signed-in user against the version the form was made from, then
    show ``url`` once the delivery view has the write."""
    me = act.principal
    ctx = CommandContext(
        actor=me.actor, occurred_at=act.clock(), expected_version=act.version, principal=me
    )
    written = command(ctx)
    wait = f"?min_position={written.position}" if written.position else ""
    return redirect(act.request, f"{url}{wait}", notice=notice)


def _text(value: str) -> str | None:
    return value.strip() or None


@forms.post("/task-teams/{team_id}/members")
def add_member(
    team_id: UUID,
    act: Act,
    app: SukumaApp,
    name: Name,
    seat: Annotated[str, Form(pattern="^(chair|secretariat|department|nerve_centre|member)$")],
    department: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_\-]*$")] = "",
) -> Response:
    member = (uuid4(), name.strip(), seat, department or None)
    return then(
        act,
        lambda ctx: app.add_task_team_member(team_id, member, ctx),
        f"/task-teams/{team_id}",
        N_("Member seated."),
    )


@forms.post("/task-teams/{team_id}/meetings")
def record_meeting(
    team_id: UUID,
    act: Act,
    app: SukumaApp,
    attended: Annotated[list[UUID] | None, Form(max_length=200)] = None,
    notes: Note = "",
    meeting_id: Annotated[UUID | None, Form()] = None,
) -> Response:
    """Record today's meeting with who attended (their departments are present)."""
    # The form's own id: the same form posted twice is one meeting.
    attendees = [str(m) for m in attended or []]
    meeting: tuple[UUID, list[str], list[str], str | None] = (
        meeting_id or uuid4(), attendees, [], _text(notes)
    )  # fmt: skip
    return then(
        act,
        lambda ctx: app.hold_task_team_meeting(team_id, meeting, ctx),
        f"/task-teams/{team_id}",
        N_("Meeting recorded."),
    )


@forms.post("/task-teams/{team_id}/action-items")
def agree_action_item(
    team_id: UUID,
    act: Act,
    app: SukumaApp,
    text: Text,
    owner: Annotated[UUID | None, Form()] = None,
    due_on: Annotated[date | None, Form()] = None,
) -> Response:
    item = (uuid4(), text.strip(), None if owner is None else str(owner), due_on, None)
    return then(
        act,
        lambda ctx: app.agree_task_team_action(team_id, item, ctx),
        f"/task-teams/{team_id}",
        N_("Action item agreed."),
    )


@forms.post("/task-teams/{team_id}/action-items/{item_id}/done")
def complete_action_item(
    team_id: UUID, item_id: UUID, act: Act, app: SukumaApp, note: Note = ""
) -> Response:
    return then(
        act,
        lambda ctx: app.complete_task_team_action(team_id, str(item_id), _text(note), ctx),
        f"/task-teams/{team_id}",
        N_("Action item done."),
    )
