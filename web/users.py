"""The administrator's users: who may sign in, with which roles and scopes, and which
field-worker record each field worker works as (its caseload is then its "my households").

Reads are the API's (``GET /v1/users``, ``GET /v1/users/{username}``: administrators only, by
the access policy); the form runs ``POST /v1/users/{username}/field-worker``'s command as the
signed-in user, so the policy decides who may link whom."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Clock, ReadPool, SukumaApp
from domain.access.principal import Role
from domain.users.model import User, user_id
from domain.users.names import USERNAME_PATTERN
from projections.nerve_centre.queries.areas import field_worker_activity
from web.actions import Act
from web.labels import N_
from web.names import field_worker_names
from web.render import page
from web.session import Csrf, Viewer

router = APIRouter(include_in_schema=False)

Username = Annotated[str, Path(max_length=64, pattern=USERNAME_PATTERN)]


@router.get("/users")
async def users(request: Request, me: Viewer, app: SukumaApp) -> Response:
    """Every user (administrators only), each with the field-worker record it works as."""
    found = await run_in_threadpool(app.users, me)
    linked = [u.field_worker_id for u in found if u.field_worker_id]
    names = await run_in_threadpool(field_worker_names, app, me, linked)
    return page(request, "users.html", users=found, names=names)


@router.get("/users/{username}")
async def user(
    request: Request, username: Username, me: Viewer, app: SukumaApp, pool: ReadPool, clock: Clock
) -> Response:
    """One user, and (for a field worker) the form linking it to a field-worker record of
    its wards."""
    found: User = await run_in_threadpool(app.read, User, user_id(username), me)
    wards = sorted(s.removeprefix("ward:") for s in found.scopes if s.startswith("ward:"))
    today = clock().astimezone(UTC).date()
    workers: dict[str, dict[str, Any]] = {}
    if Role.FIELD_WORKER in found.roles:
        for ward in wards:  # the records serving the user's wards, active ones only
            for row in await field_worker_activity(pool, ward, today):
                if row["active"]:
                    workers[row["field_worker_id"]] = row
    ids = [*workers, *([found.field_worker_id] if found.field_worker_id else [])]
    names = await run_in_threadpool(field_worker_names, app, me, ids)
    return page(
        request,
        "user.html",
        user=found,
        workers=sorted(workers, key=lambda w: names.get(w) or w),
        names=names,
    )


@router.post("/users/{username}/field-worker", dependencies=[Csrf])
def link_field_worker(
    request: Request,
    username: Username,
    act: Act,
    app: SukumaApp,
    field_worker_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """Link the user to a field-worker record (empty: unlink), as the API's route does."""
    worker = UUID(field_worker_id) if field_worker_id else None
    try:
        return act.then(
            lambda ctx: app.link_field_worker(username, worker, ctx),
            f"/users/{username}",
            N_("Field-worker record linked.") if worker else N_("Field-worker record unlinked."),
        )
    finally:  # the user's pages follow at once in this process (its cached state)
        request.app.state.auth.states.forget(str(user_id(username)))
