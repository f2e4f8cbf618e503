"""Results and Delivery commands and read shapes: priorities, targets, trajectories, ratings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CommandBody, DepartmentCode, Input, Note, ShortText
from api.schemas.users import Username
from api.schemas.views import FreshnessRead

TeamKind = Annotated[
    Literal["LTT", "DTT", "PTT"],
    Field(description="LTT (a municipality's), DTT (a district's) or PTT (the province's)"),
]
TargetIndicatorCode = Annotated[
    Literal["M1", "M4", "M5", "M6", "M12"],
    Field(description="The indicator (GET /v1/indicators/... defines each)"),
]
AreaLevel = Literal["ward", "municipality", "district", "province"]
Value = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
AreaCode = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[A-Z0-9-]+$")]


class DefinePriority(CommandBody):
    priority_id: UUID | None = None
    title: ShortText
    description: Note | None = None
    team: TeamKind
    team_code: AreaCode = Field(description="The team's area: KZN225, DC22 or KZN")


class TrajectoryPoint(Input):
    month: date = Field(description="The month, by its first day")
    value: Value


Points = Annotated[list[TrajectoryPoint], Field(min_length=1, max_length=240)]


class SetTarget(CommandBody):
    target_id: UUID | None = None
    indicator: TargetIndicatorCode
    level: AreaLevel
    code: AreaCode = Field(description="The area's code, inside the team's area")
    baseline_value: Value
    baseline_on: date
    target_value: Value
    due_on: date
    points: Points | None = Field(
        default=None, description="Set by hand; without it, a straight line month by month"
    )


class ReviseTrajectory(CommandBody):
    points: Points
    reason: Note


class RateTarget(CommandBody):
    month: date = Field(description="Any day of the month rated")
    rating: int = Field(ge=1, le=4, description="Likelihood of delivery: 1 red .. 4 green")
    problem_level: int = Field(
        ge=1, le=4, description="Problem-solving level: 1 nudge .. 4 crisis management"
    )
    reason: Note


class WriteNote(CommandBody):
    month: date = Field(description="Any day of the month the note is for")
    text: Note


class StocktakeActionBody(Input):
    action_id: UUID | None = None
    text: Note
    owner: ShortText = Field(description="Who will do it (a name and office)")
    due_on: date


class StocktakeReview(Input):
    priority_id: UUID
    target_id: UUID | None = Field(default=None, description="The target rated, if one")
    rating: int = Field(ge=1, le=4, description="Likelihood of delivery agreed: 1 red .. 4 green")
    problem_level: int = Field(ge=1, le=4, description="1 nudge .. 4 crisis management")
    reason: Note
    decisions: list[Note] = Field(default_factory=list, max_length=50)
    actions: list[StocktakeActionBody] = Field(default_factory=list, max_length=50)


class HoldStocktake(CommandBody):
    stocktake_id: UUID | None = None
    attendee_member_ids: list[UUID] = Field(default_factory=list, max_length=200)
    reviews: list[StocktakeReview] = Field(min_length=1, max_length=50)


class StocktakeRead(BaseModel):
    stocktake_id: UUID
    team_id: UUID
    team: str
    team_code: str
    held_on: date
    attendee_member_ids: list[str]
    reviews: list[dict[str, Any]] = Field(
        description="Per priority: the rating agreed, problem level, reason, decisions, "
        "actions; and, for a target, its months as of the stocktake (``months``)"
    )
    actions: list[dict[str, Any]] = Field(description="Every action agreed, with its status")
    version: int


class StocktakeList(BaseModel):
    data: list[StocktakeRead]
    freshness: FreshnessRead


class PriorityRead(BaseModel):
    priority_id: UUID
    title: str
    description: str | None
    team: str
    team_code: str
    defined_on: date
    notes: list[dict[str, Any]] = Field(description="Monthly delivery notes, as written")
    version: int
    targets: int | list[dict[str, Any]]


class PriorityList(BaseModel):
    data: list[PriorityRead]
    next_cursor: str | None
    freshness: FreshnessRead


class MonthRead(BaseModel):
    month: date
    complete: bool = Field(description="The month is over as of the read")
    planned: float
    actual: float | None
    gap: float | None = Field(description="actual - planned")
    behind: float | None = Field(description="Share of the planned value the actual falls short by")
    proposed_rating: int | None = Field(description="The rating the gap suggests (rules file)")
    rating: dict[str, Any] | None = Field(description="The latest rating recorded for the month")


class TargetRead(BaseModel):
    target_id: UUID
    priority_id: UUID
    team: str
    team_code: str
    indicator: str
    level: str
    code: str
    baseline_value: float
    baseline_on: date
    target_value: float
    due_on: date
    shape: str
    points: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    chain: list[dict[str, Any]] = Field(description="The delivery chain's links, in order")
    as_of: date
    months: list[MonthRead]
    version: int
    freshness: FreshnessRead


TeamSeat = Literal["chair", "secretariat", "department", "nerve_centre", "member"]


class EstablishTaskTeam(CommandBody):
    kind: TeamKind
    code: AreaCode = Field(description="Its area: a municipality (LTT), district (DTT) or KZN")
    name: ShortText


class AddTeamMember(CommandBody):
    member_id: UUID | None = None
    name: ShortText
    seat: TeamSeat
    department: DepartmentCode | None = Field(
        default=None, description="Required for a department seat"
    )


class LinkTeamUser(CommandBody):
    username: Username = Field(description="The user who holds this seat: it may then run the "
                               "team's priorities, targets, stocktakes and solutions")  # fmt: skip


class TaskTeamRead(BaseModel):
    team_id: UUID
    kind: str
    code: str
    name: str
    level: int = Field(description="Its rung of the escalation ladder (2 LTT, 3 DTT, 4 PTT)")
    established_on: date
    last_meeting_on: date | None
    meetings_held: int
    members: list[dict[str, Any]]
    meetings: list[dict[str, Any]]
    action_items: list[dict[str, Any]]
    version: int


class TaskTeamList(BaseModel):
    data: list[TaskTeamRead]
    freshness: FreshnessRead


class TaskTeamQueue(BaseModel):
    """What is escalated to the team: open alerts at its level, open referrals escalated to it
    (each as the alerts and referrals lists show them; the oldest ``limit`` of each)."""

    team_id: UUID
    level: int
    alerts: list[dict[str, Any]]
    referrals: list[dict[str, Any]]


class AddChainLink(CommandBody):
    link_id: UUID | None = None
    role: Literal["department", "district_office", "municipality", "war_room", "ngo", "other"]
    body: ShortText = Field(description="Which one, e.g. DSD uMgungundlovu district office")
    owner: ShortText = Field(description="The named person who answers for this link")
    indicator: ShortText = Field(description="What shows whether this link works, e.g. M5")


class RemoveChainLink(CommandBody):
    reason: Note


class PlanStep(Input):
    text: Note
    owner: ShortText
    due_on: date


class AgreeSolution(CommandBody):
    solution_id: UUID | None = None
    body: Literal["warroom", "taskteam"] = Field(description="Who agreed it")
    body_id: UUID = Field(description="The war room's or task team's id")
    problem: Note
    solution: Note
    plan: list[PlanStep] = Field(min_length=1, max_length=50, description="The action plan")
    target_id: UUID | None = Field(default=None, description="The target it serves, if one")


class ReportProgress(CommandBody):
    status: Literal["agreed", "in_progress", "implemented", "stalled", "abandoned"]
    rag: Literal["red", "amber", "green"]
    evidence: Note


class SolutionRead(BaseModel):
    solution_id: UUID
    body: str
    body_id: UUID
    team: str | None
    team_code: str | None
    ward_id: str | None
    municipality: str | None
    district: str | None
    problem: str
    solution: str
    plan: list[dict[str, Any]]
    target_id: UUID | None
    status: str
    rag: str | None
    progress: list[dict[str, Any]] = Field(description="Each report: status, RAG, evidence")
    agreed_on: date
    version: int


class SolutionList(BaseModel):
    data: list[SolutionRead]
    freshness: FreshnessRead
