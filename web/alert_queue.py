"""The alert queue: open early-warning alerts grouped by rule, level and area with counts (at
province scale there are a million of them: a flat list is useless), the groups that need a
person first; a group's oldest alerts; an alert's page with its evidence and history; and
acknowledging or resolving one alert or a whole group in bounded batches.

Reads are the alerts view's queries under the access policy's scope
(``projections.alerts.queries``); every alert acted on, one or in bulk, goes through the same
application command as ``POST /v1/alerts/{id}/...``, so each gets its own event and the policy
decides for each."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote_plus
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from markupsafe import Markup
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from api.freshness import freshness_at
from api.personal import alert_notes, with_notes
from api.schemas.views import DistrictCode, MunicipalityCode, WardCode
from domain.access.decision import Forbidden
from domain.access.principal import Principal
from domain.context import CommandContext
from domain.errors import DomainError, NotFoundError
from domain.sukuma import Sukuma
from projections.alerts import queries
from projections.alerts.queries import GROUP_AREA, AlertFilters
from web.freshness import PageFresh
from web.i18n import environment, gettext_for, language_of
from web.labels import LABELS, N_
from web.nerve import home_area
from web.render import page, redirect
from web.rows import fixed, translated, written
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False)

#: Most alerts one bulk action acts on: each is its own command and event, so a batch is
#: bounded to answer within a request; the page says how many are left for the next one.
BULK_LIMIT = 100
#: Most groups the queue shows (ranked: what needs a person now comes first).
GROUPS_SHOWN = 100
#: A group's alerts shown at once, oldest first.
ALERTS_SHOWN = 50

# The filter form sends "" for "all" (an empty choice), so both accept it as no filter.
Rule = Annotated[str, Query(max_length=16, pattern=r"^(EW-\d\d)?$")]
Level = Annotated[str, Query(pattern="^[1-4]?$")]
Note = Annotated[str, Form(max_length=2000)]


async def alert_filters(
    rule: Rule = "",
    level: Level = "",
    ward: Annotated[WardCode | None, Query()] = None,
    municipality: Annotated[MunicipalityCode | None, Query()] = None,
    district: Annotated[DistrictCode | None, Query()] = None,
) -> AlertFilters:
    """The queue's filters (open alerts only: resolved ones need no one)."""
    return AlertFilters(
        "open", int(level) if level else None, rule or None, ward, municipality, district
    )


async def bulk_filters(
    rule: Annotated[str | None, Form(max_length=16, pattern=r"^EW-\d\d$")] = None,
    level: Annotated[int | None, Form(ge=1, le=4)] = None,
    ward: Annotated[WardCode | None, Form()] = None,
    municipality: Annotated[MunicipalityCode | None, Form()] = None,
    district: Annotated[DistrictCode | None, Form()] = None,
) -> AlertFilters:
    return AlertFilters("open", level, rule, ward, municipality, district)


Filters = Annotated[AlertFilters, Depends(alert_filters)]


def query_of(filters: AlertFilters, **more: Any) -> dict[str, Any]:
    """The filters set, as a query string's fields (links keep them)."""
    fields = {k: v for k, v in asdict(filters).items() if k != "status" and v is not None}
    return {**fields, **more}


@lru_cache(maxsize=4096)
def _quoted(value: object) -> str:
    """``value`` as urlencode writes a query's value (its key is a plain name)."""
    return quote_plus(str(value))


def group_by(filters: AlertFilters, me: Principal) -> str:
    """The area column the queue groups by: one level below the narrowest area in view."""
    for level in ("ward", "municipality", "district"):
        if getattr(filters, level) is not None:
            return GROUP_AREA[level]
    home = home_area(me)
    return GROUP_AREA[home.level if home else "province"]


@router.get("/alerts")
async def queue(
    request: Request, me: Viewer, pool: ReadPool, fresh: PageFresh, filters: Filters
) -> Response:
    by = group_by(filters, me)
    if fresh.min_position is None:  # the groups and their view's freshness, one statement
        groups, (position, head) = await queries.alert_groups_fresh(
            pool, filters, me, by, GROUPS_SHOWN, fresh.tracking
        )
        freshness = freshness_at(position, head)
    else:  # to show a write: once the view holds it
        freshness, groups = await fresh.beside(
            queries.alert_groups(pool, filters, me, by, GROUPS_SHOWN)
        )
    area_key = {"ward_id": "ward"}.get(by, by)
    language = language_of(request)
    return page(
        request,
        "alerts.html",
        form=filter_form(language, filters),
        head=table_head(language, area_key),
        rows=group_rows(language, groups, query_of(filters), area_key),
        groups=len(groups),
        total=sum(g["alerts"] for g in groups),
        shown=GROUPS_SHOWN,
        fresh=freshness,
    )


#: The rules the filter form offers, in the vocabulary's order.
_RULES = tuple(LABELS["rule"][1].items())


@lru_cache(maxsize=1024)
def filter_form(language: str, filters: AlertFilters) -> Markup:
    """The queue's filter form and the area in view, for these filters in ``language``."""
    return Markup(_parts(language).filter_form(filters, _RULES))


@lru_cache(maxsize=16)
def table_head(language: str, area_key: str) -> Markup:
    """The queue's table's caption and column headings in ``language``."""
    return Markup(_parts(language).table_head(area_key))


def _parts(language: str) -> Any:
    return environment(language).get_template("alert_queue_parts.html").module


#: A group's row in the queue's table, written here (``web.rows``): its column names and its
#: link's fixed part put in once a page, each distinct rule, area and day escaped once.
_GROUP_ROW = (
    '  <tr class="%(overdue)s">\n'
    '    <td data-label="{l_rule}"><a href="{group_href}">%(rule)s</a></td>\n'
    '    <td data-label="{l_level}">%(level)s</td>\n'
    '    <td data-label="{l_area}"><a href="/alerts?{area_key}=%(area_q)s">%(area)s</a></td>\n'
    '    <td data-label="{l_open}">%(alerts)s</td>\n'
    '    <td data-label="{l_unack}">%(unacknowledged)s</td>\n'
    '    <td data-label="{l_oldest}">%(oldest)s</td>\n'
    "  </tr>\n"
)
_COLUMNS = {
    "l_rule": N_("Rule"),
    "l_level": N_("Level"),
    "l_open": N_("Open"),
    "l_unack": N_("Not acknowledged"),
    "l_oldest": N_("Oldest"),
}
#: The group's own values in its link: the rest of the link is the page's filters.
_GROUP_KEYS = {"rule": "%(rule_q)s", "level": "%(level)s"}


def group_rows(
    language: str, groups: list[dict[str, Any]], kept: dict[str, Any], area_key: str
) -> Markup:
    """The queue's rows (``<tr>``): each group's rule, level, area and counts, linked to the
    group's alerts (the page's filters kept) and to its area's queue. The links read as
    ``urlencode`` writes them (a query's values quoted, nothing in them to escape but ``&``)."""
    env = environment(language)
    label, day, gettext = env.filters["label"], env.filters["day"], gettext_for(language)
    cells = {key: fixed(translated(gettext, text)) for key, text in _COLUMNS.items()}
    cells["l_area"] = fixed(written(label(area_key, "area_level")))
    query = {**kept, "rule": None, "level": None, area_key: None}  # urlencode's order
    own = {**_GROUP_KEYS, area_key: "%(area_q)s"}
    fields = (f"{k}={own[k] if k in own else fixed(_quoted(v))}" for k, v in query.items())
    row = _GROUP_ROW.format(
        group_href="/alerts/group?" + "&amp;".join(fields), area_key=area_key, **cells
    )
    rules: dict[str, tuple[str, str]] = {}
    areas: dict[str | None, tuple[str, str]] = {}
    days: dict[Any, str] = {}
    out = []
    for g in groups:
        rule, area, oldest = g["rule"], g["area"], g["oldest"]
        if rule not in rules:
            rules[rule] = (written(f"{rule} {label(rule, 'rule')}"), _quoted(rule))
        if area not in areas:
            areas[area] = (written(area), _quoted(area))
        if oldest not in days:
            days[oldest] = written(day(oldest))
        (shown_rule, rule_q), (shown_area, area_q) = rules[rule], areas[area]
        out.append(
            row
            % {
                "overdue": "overdue" if g["unacknowledged"] else "",
                "rule": shown_rule,
                "rule_q": rule_q,
                "level": g["level"],
                "area": shown_area,
                "area_q": area_q,
                "alerts": g["alerts"],
                "unacknowledged": g["unacknowledged"],
                "oldest": days[oldest],
            }
        )
    return Markup("".join(out))


@router.get("/alerts/group")
async def group(
    request: Request, me: Viewer, pool: ReadPool, fresh: PageFresh, filters: Filters
) -> Response:
    """A group's oldest open alerts."""
    freshness, rows = await fresh.beside(queries.alerts_oldest(pool, filters, me, ALERTS_SHOWN))
    return page(
        request,
        "alert_group.html",
        alerts=rows,
        filters=filters,
        query=query_of(filters),
        shown=ALERTS_SHOWN,
        bulk_limit=BULK_LIMIT,
        fresh=freshness,
    )


@router.get("/alerts/{alert_id}")
async def alert(
    request: Request, alert_id: UUID, me: Viewer, pool: ReadPool, app: SukumaApp
) -> Response:
    row = await queries.alert_detail(pool, alert_id, me)
    if row is None:
        raise NotFoundError("alert", str(alert_id))
    notes = await run_in_threadpool(alert_notes, app, me, alert_id, "GET /alerts/{id}")
    return page(request, "alert.html", alert=with_notes(row, notes))


def _run(app: Sukuma, ctx: CommandContext, action: str, aid: UUID, text: str) -> None:
    if action == "acknowledge":
        app.acknowledge_alert(aid, text.strip() or None, ctx)
    else:
        app.resolve_alert(aid, text.strip(), ctx)


@router.post("/alerts/{alert_id}/{action}", dependencies=[Csrf])
def act(
    request: Request,
    alert_id: UUID,
    action: Annotated[str, Path(pattern="^(acknowledge|resolve)$")],
    me: Viewer,
    app: SukumaApp,
    clock: Clock,
    text: Note = "",
) -> Response:
    """Acknowledge (with an optional note) or resolve (with a reason) one alert."""
    if action == "resolve" and not text.strip():
        return redirect(request, f"/alerts/{alert_id}", notice=N_("Say why the alert is resolved."))
    ctx = CommandContext(actor=me.actor, occurred_at=clock(), principal=me)
    _run(app, ctx, action, alert_id, text)
    done = N_("Alert acknowledged.") if action == "acknowledge" else N_("Alert resolved.")
    return redirect(request, f"/alerts/{alert_id}", notice=done)


@router.post("/alerts-bulk", dependencies=[Csrf])
async def bulk(
    request: Request,
    me: Viewer,
    pool: ReadPool,
    app: SukumaApp,
    clock: Clock,
    filters: Annotated[AlertFilters, Depends(bulk_filters)],
    action: Annotated[str, Form(pattern="^(acknowledge|resolve)$")],
    text: Note = "",
) -> Response:
    """Acknowledge or resolve up to ``BULK_LIMIT`` of a group's alerts, oldest first, each
    through its own command; the page tells what was done, what was not and what is left."""
    if action == "resolve" and not text.strip():
        return page(request, "alert_bulk.html", 422, missing_reason=True, query=query_of(filters))
    # One more than the batch: whether another batch waits, without reading our own writes
    # back (the view may not have projected them yet).
    rows = await queries.alerts_oldest(
        pool, filters, me, BULK_LIMIT + 1, unacknowledged=action == "acknowledge"
    )
    batch = [r["alert_id"] for r in rows[:BULK_LIMIT]]
    done, skipped = await run_in_threadpool(_batch, app, me, clock(), action, batch, text)
    return page(
        request,
        "alert_bulk.html",
        action=action,
        done=done,
        skipped=skipped,
        more=len(rows) > BULK_LIMIT,
        query=query_of(filters),
    )


def _batch(
    app: Sukuma, me: Principal, at: datetime, action: str, ids: list[UUID], text: str
) -> tuple[int, int]:
    """(done, skipped): an alert someone else changed meanwhile, or the policy refuses, is
    skipped and counted; the others are each acted on by their own command."""
    ctx = CommandContext(actor=me.actor, occurred_at=at, principal=me)
    done = skipped = 0
    for aid in ids:
        try:
            _run(app, ctx, action, aid, text)
        except (DomainError, Forbidden):
            skipped += 1
        else:
            done += 1
    return done, skipped
