"""War-room endpoints: establish, seat and remove members, record meetings, action items and
imbizo questions with their answers;
read one war room or list an area's from the war-rooms view (``projections.war_rooms``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from adapters.data_keys import DataKeyStore
from adapters.shredding import PersonalDataMapper
from api.deps import Clock, Command, CurrentUser, ReadPool, SukumaApp, WarRoomRows
from api.freshness import freshness_of
from api.history import history_of
from api.routers import seated
from api.schemas.common import CREATED, WRITTEN, AsOf, HistoryRead
from api.schemas.views import (
    DistrictCode,
    FreshnessRead,
    MunicipalityCode,
    PageCursor,
    WardCode,
    encode_cursor,
)
from api.schemas.warrooms import (
    AddMember,
    AnswerImbizoQuestion,
    EstablishWarRoom,
    RecordImbizoQuestion,
    WarRoomList,
    WarRoomRead,
    WarRoomState,
)
from domain.errors import NotFoundError
from domain.warrooms.model import WarRoom, war_room_id
from projections.war_rooms import queries
from projections.war_rooms.queries import WarRoomFilters
from projections.war_rooms.view import TRACKING

router = APIRouter(prefix="/war-rooms", tags=["war rooms"])

#: How fresh the war-rooms view is (``?min_position=`` waits for a write's position).
Fresh = Annotated[FreshnessRead, Depends(freshness_of(TRACKING))]


async def war_room_filters(
    ward: Annotated[WardCode | None, Query()] = None,
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
) -> WarRoomFilters:
    return WarRoomFilters(ward, municipality, district)


def data_keys(app: SukumaApp) -> DataKeyStore:
    """The data-key store the application's mapper seals with (it opens the view's text)."""
    mapper = app.mapper
    if not isinstance(mapper, PersonalDataMapper) or mapper.keys is None:
        raise RuntimeError("build the application with sukuma.wiring.build_application")
    return mapper.keys


DataKeys = Annotated[DataKeyStore, Depends(data_keys)]


@router.post("", status_code=201, responses=CREATED)
def establish(body: EstablishWarRoom, cmd: Command) -> JSONResponse:
    app = cmd.application
    room_id = war_room_id(body.ward_id)
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.establish_war_room(body.ward_id, body.name, body.meeting_cadence_days, c),
        status_code=201,
        location=f"/v1/war-rooms/{room_id}",
    )


@router.get("")
async def list_war_rooms(
    pool: ReadPool,
    fresh: Fresh,
    clock: Clock,
    filters: Annotated[WarRoomFilters, Depends(war_room_filters)],
    scope: WarRoomRows,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 50,
    cursor: Annotated[
        PageCursor | None, Query(description="next_cursor of the previous page")
    ] = None,
) -> WarRoomList:
    """The war rooms the caller sees (of an area: ?ward=, ?municipality= or ?district=), in id
    order, a page at a time, each with its members seated and action items open and overdue."""
    today = clock().date()
    rows, last = await queries.war_rooms_page(pool, filters, scope, today, cursor, limit)
    next_cursor = encode_cursor(last) if last else None
    return WarRoomList.model_validate(
        {"data": rows, "next_cursor": next_cursor, "freshness": fresh}
    )


@router.get("/{room_id}")
async def get_war_room(
    room_id: UUID,
    pool: ReadPool,
    fresh: Fresh,
    scope: WarRoomRows,
    keys: DataKeys,
    response: Response,
) -> WarRoomRead:
    """A war room with its members (names, seats), meetings and action items (text, owner, due
    date, status), from the war-rooms view: its ETag is the version that view has reached."""
    row = await queries.war_room(pool, room_id, scope)
    if row is None:
        raise NotFoundError("war room", room_id)
    # Opening the sealed text may read the war room's data key from the database: blocking.
    opened = await run_in_threadpool(queries.open_free_text, keys, row)
    response.headers["ETag"] = f'"{row["version"]}"'
    return WarRoomRead.model_validate({**opened, "freshness": fresh})


@router.get("/{room_id}/history")
def war_room_history(
    room_id: UUID, app: SukumaApp, user: CurrentUser, as_of: AsOf = None
) -> HistoryRead:
    return history_of(app, WarRoom, room_id, as_of, WarRoomState.of, user)


# Seats, meetings and action items: the routes every seated body has (``api.routers.seated``).
seated.install(router, WarRoom, "room_id", AddMember)


@router.post("/{room_id}/imbizo-questions", status_code=201, responses=CREATED)
def record_imbizo_question(room_id: UUID, body: RecordImbizoQuestion, cmd: Command) -> JSONResponse:
    """A question the community raised at an imbizo (told back in the next ward report)."""
    app = cmd.application
    question_id = body.question_id or uuid4()
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.record_imbizo_question(
            room_id=room_id,
            question_id=question_id,
            imbizo_on=body.imbizo_on,
            question=body.question,
            ctx=c,
        ),
        status_code=201,
        extra={"question_id": str(question_id)},
    )


@router.post("/{room_id}/imbizo-questions/{question_id}/answer", responses=WRITTEN)
def answer_imbizo_question(
    room_id: UUID, question_id: UUID, body: AnswerImbizoQuestion, cmd: Command
) -> JSONResponse:
    """What became of an imbizo question: progress, or done / not possible (final)."""
    app = cmd.application
    return cmd.run(
        room_id,
        body.occurred_at,
        lambda c: app.answer_imbizo_question(
            room_id=room_id,
            question_id=str(question_id),
            outcome=body.outcome,
            answer=body.answer,
            ctx=c,
        ),
    )
