"""User administration (administrators only, by the access policy): add, roles, scopes,
password, deactivate. A change that ends sessions takes effect in this process at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from adapters.passwords import hash_password
from api.auth.service import Auth
from api.deps import Command, CurrentUser, SukumaApp, get_auth
from api.schemas.common import CREATED, WRITTEN, CommandBody
from api.schemas.users import (
    AddUser,
    AssignScope,
    ChangePassword,
    DeactivateUser,
    GrantRole,
    LinkFieldWorker,
    UserList,
    Username,
    UserRead,
)
from domain.access.principal import Role
from domain.context import CommandContext, Written
from domain.users.model import User, user_id

router = APIRouter(prefix="/users", tags=["users"])

AuthService = Annotated[Auth, Depends(get_auth)]


@router.post("", status_code=201, responses=CREATED)
def add_user(body: AddUser, cmd: Command) -> JSONResponse:
    app = cmd.application
    new_id = user_id(body.username)
    password_hash = hash_password(body.password.get_secret_value())
    return cmd.run(
        new_id,
        body.occurred_at,
        lambda c: app.add_user(
            username=body.username,
            roles=body.roles,
            scopes=body.scopes,
            password_hash=password_hash,
            ctx=c,
        ),
        status_code=201,
        location=f"/v1/users/{body.username}",
    )


@router.get("")
def list_users(app: SukumaApp, user: CurrentUser) -> UserList:
    return UserList(data=[UserRead.of(u) for u in app.users(user)])


@router.get("/{username}")
def get_user(username: Username, app: SukumaApp, user: CurrentUser, response: Response) -> UserRead:
    found = app.read(User, user_id(username), user)
    response.headers["ETag"] = f'"{found.version}"'
    return UserRead.of(found)


def _ending(
    auth: Auth,
    cmd: Command,
    username: str,
    body: CommandBody,
    action: Callable[[CommandContext], Written],
) -> JSONResponse:
    """Run a command that ends the user's sessions, then drop this process's cached state."""
    target = user_id(username)
    try:
        return cmd.run(target, body.occurred_at, action)
    finally:
        auth.states.forget(str(target))


@router.post("/{username}/roles", responses=WRITTEN)
def grant_role(username: Username, body: GrantRole, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        user_id(username), body.occurred_at, lambda c: app.grant_role(username, body.role, c)
    )


@router.post("/{username}/roles/{role}/revoke", responses=WRITTEN)
def revoke_role(
    username: Username,
    role: Role,
    body: CommandBody,
    cmd: Command,
    auth: AuthService,
) -> JSONResponse:
    app = cmd.application
    return _ending(auth, cmd, username, body, lambda c: app.revoke_role(username, role, c))


@router.post("/{username}/scopes", responses=WRITTEN)
def assign_scope(username: Username, body: AssignScope, cmd: Command) -> JSONResponse:
    app = cmd.application
    return cmd.run(
        user_id(username), body.occurred_at, lambda c: app.assign_scope(username, body.scope, c)
    )


@router.post("/{username}/scopes/remove", responses=WRITTEN)
def remove_scope(
    username: Username, body: AssignScope, cmd: Command, auth: AuthService
) -> JSONResponse:
    app = cmd.application
    return _ending(auth, cmd, username, body, lambda c: app.remove_scope(username, body.scope, c))


@router.post("/{username}/password", responses=WRITTEN)
def change_password(
    username: Username, body: ChangePassword, cmd: Command, auth: AuthService
) -> JSONResponse:
    app = cmd.application
    password_hash = hash_password(body.password.get_secret_value())
    return _ending(
        auth, cmd, username, body, lambda c: app.change_password(username, password_hash, c)
    )


@router.post("/{username}/deactivate", responses=WRITTEN)
def deactivate_user(
    username: Username, body: DeactivateUser, cmd: Command, auth: AuthService
) -> JSONResponse:
    app = cmd.application
    return _ending(
        auth, cmd, username, body, lambda c: app.deactivate_user(username, body.reason, c)
    )


@router.post("/{username}/field-worker", responses=WRITTEN)
def link_field_worker(
    username: Username, body: LinkFieldWorker, cmd: Command, auth: AuthService
) -> JSONResponse:
    """Link the user to the field-worker record it works as (``null``: unlink)."""
    app = cmd.application
    return _ending(
        auth,
        cmd,
        username,
        body,
        lambda c: app.link_field_worker(username, body.field_worker_id, c),
    )
