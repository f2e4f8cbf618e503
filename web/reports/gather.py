"""What each report shows, gathered in one place from the views' own queries.

Every report is asked for as ``ReportRequest`` (kind, area, the day it is as of and the basis
of its figures) and checked here before anything is read: the area must be one the kind is
made for, and the reader must see every kind of object the report shows over it (the access
policy's ``sees_area``, as for the API's views: otherwise 404). Its position is the lowest of
the views it reads, taken first: every event up to it is in the figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from adapters.data_keys import DataKeyStore
from domain.access.policy import AREA_VIEW, sees_area
from domain.access.principal import Principal
from domain.delivery.rating import RatingThresholds
from domain.errors import NotFoundError
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from projections.alerts.view import TRACKING as ALERTS_TRACKING
from projections.delivery.view import TRACKING as DELIVERY_TRACKING
from projections.field_activity.view import TRACKING as FIELD_ACTIVITY_TRACKING
from projections.nerve_centre.queries.asof import AsOf, Basis
from projections.nerve_centre.tables import TRACKING as NERVE_CENTRE_TRACKING
from projections.scoping import Db
from projections.status import positions
from projections.war_rooms.view import TRACKING as WAR_ROOMS_TRACKING

KINDS = ("imbizo", "meeting-pack", "monthly", "stocktake-pack", "monthly-note")
TEAM_LEVELS = ("municipality", "district", "province")
BASES = ("recorded", "occurred")
#: The areas each kind is made for.
LEVELS = {
    "imbizo": ("ward",),
    "meeting-pack": ("ward",),
    "monthly": ("municipality", "district", "province"),
    # A task team's, by its area: an LTT's municipality, a DTT's district, the PTT's province.
    "stocktake-pack": TEAM_LEVELS,
    "monthly-note": TEAM_LEVELS,
}
#: What each kind shows, as the policy's kinds: its reader must see each of them in the area.
#: A meeting pack lists referrals and alerts, so a department officer (who sees only its own
#: departments' ones) has none; the monthly report counts every alert of the area.
READS = {
    "imbizo": (AREA_VIEW, "warroom"),
    "meeting-pack": (AREA_VIEW, "warroom", "referral", "alert"),
    "monthly": (AREA_VIEW, "alert"),
    "stocktake-pack": ("taskteam", "priority", "target", "stocktake"),
    "monthly-note": ("taskteam", "priority", "target", "stocktake"),
}
#: The bases each kind may be made on as of an earlier day. Every figure has its history by
#: recorded time (the area totals' snapshots, the alerts' events, the war rooms' and case
#: rows' versions); only the area totals and alerts are also kept by the day things happened,
#: so the ward's reports, which list the war room's meetings, items and questions and the
#: ward's referrals, are as of a day as recorded by then only.
HISTORIED: dict[str, tuple[str, ...]] = {
    "imbizo": ("recorded",),
    "meeting-pack": ("recorded",),
    "monthly": BASES,
}
#: The views each kind reads (their lowest position is the report's).
VIEWS = {
    "imbizo": (NERVE_CENTRE_TRACKING, WAR_ROOMS_TRACKING),
    "meeting-pack": (NERVE_CENTRE_TRACKING, WAR_ROOMS_TRACKING, ALERTS_TRACKING),
    # M11 as of a day comes from the field workers' logs
    "monthly": (NERVE_CENTRE_TRACKING, ALERTS_TRACKING, FIELD_ACTIVITY_TRACKING),
    # Targets' actual values come from the nerve centre's daily figures.
    "stocktake-pack": (NERVE_CENTRE_TRACKING, DELIVERY_TRACKING),
    "monthly-note": (NERVE_CENTRE_TRACKING, DELIVERY_TRACKING),
}


class BadReportRequest(ValueError):
    """A request no report can answer: ``field`` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReportRequest:
    kind: str
    level: str
    code: str
    as_of: date
    basis: Basis = "recorded"
    priority: UUID | None = None  # a monthly note of one priority of the team

    def history(self, today: date) -> AsOf | None:
        """What the views' queries take: none for today (their live tables, as known now:
        the same as the end of today on either basis), else the day and its basis."""
        return None if self.as_of == today else AsOf(self.as_of, self.basis)


@dataclass(frozen=True)
class Sources:
    """Where a report reads from, and for whom: the read pool, the application (names and
    the catalogue), the war rooms' data keys (their sealed text) and the reader."""

    db: Db
    app: Sukuma
    keys: DataKeyStore | None
    principal: Principal
    departments: dict[str, str]  # code -> name, the catalogue's (retired ones too)
    now: datetime
    thresholds: RatingThresholds = field(default_factory=RatingThresholds)  # [rating]

    @property
    def today(self) -> date:
        return self.now.astimezone(UTC).date()


@dataclass
class Report:
    request: ReportRequest
    area: str  # its name
    position: int
    head: int
    made_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


Gatherer = Callable[[Sources, ReportRequest], Awaitable[dict[str, Any]]]


def check(request: ReportRequest, principal: Principal, today: date) -> None:
    """Refuse what no report answers (``BadReportRequest``) and what the reader may not see
    (``NotFoundError``, like any area view outside its scopes)."""
    if request.kind not in KINDS:
        raise BadReportRequest("kind", f"a report is one of {', '.join(KINDS)}")
    if request.level not in LEVELS[request.kind]:
        raise BadReportRequest(
            "level", f"a {request.kind} report is made for a {' or '.join(LEVELS[request.kind])}"
        )
    if request.priority is not None and request.kind != "monthly-note":
        raise BadReportRequest("priority", "only a monthly note is made for one priority")
    if request.basis not in BASES:
        raise BadReportRequest("basis", f"basis is one of {', '.join(BASES)}")
    if request.as_of > today:
        raise BadReportRequest("as_of", f"as_of is after today ({today})")
    if request.as_of != today and not HISTORIED.get(request.kind):
        raise BadReportRequest(
            "as_of", f"a {request.kind} report is made as of today only: its lists keep no history"
        )
    if request.as_of != today and request.basis not in HISTORIED[request.kind]:
        raise BadReportRequest(
            "basis",
            f"a {request.kind} report is made as of an earlier day by recorded time only: the "
            "war room's lists and the ward's referrals it shows are kept as they stood at the "
            "end of each day, not by the day each change happened",
        )
    if not geography().is_valid_scope(request.level, request.code) or not all(
        sees_area(principal, kind, request.level, request.code) for kind in READS[request.kind]
    ):
        raise NotFoundError(request.level, request.code)


def area_name(level: str, code: str) -> str:
    geo = geography()
    if level == "province":
        return geo.province.name
    if level == "district":
        return geo.district(code).name
    if level == "municipality":
        return geo.municipality(code).name
    return f"{geo.municipality(geo.ward(code).municipality_code).name} {code}"


async def gather(
    sources: Sources, request: ReportRequest, gatherers: dict[str, Gatherer]
) -> Report:
    """The report, checked, with the position of the views it was made from."""
    check(request, sources.principal, sources.today)
    found = [await positions(sources.db, tracking) for tracking in VIEWS[request.kind]]
    report = Report(
        request=request,
        area=area_name(request.level, request.code),
        position=min(position for position, _ in found),
        head=max(head for _, head in found),
        made_at=sources.now.astimezone(UTC).replace(microsecond=0),
    )
    report.data = await gatherers[request.kind](sources, request)
    return report


def end_of(day: date) -> datetime:
    """The last moment of ``day`` (UTC): what "as of" a day means."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
