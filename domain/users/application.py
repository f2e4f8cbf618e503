"""User commands (administrators only) and look-ups by name for sign-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.access.policy import (
    NOWHERE,
    Forbidden,
    authorize_account_change,
    authorize_user_change,
)
from domain.access.principal import Principal, Role
from domain.application import ApplicationBase
from domain.context import CommandContext, Written
from domain.errors import NotFoundError, RuleViolation
from domain.fieldworkers.model import FieldWorker
from domain.users.model import User, check_scope, user_id
from domain.users.names import normalise_username

# Users are few: listing them reads the log's creation events (no read model needed).
_LIST_PAGE = 1000


class UserCommands(ApplicationBase):
    def add_user(
        self,
        *,
        username: str,
        roles: list[Role],
        scopes: list[str],
        password_hash: str,
        ctx: CommandContext,
    ) -> Written:
        """Create a user; the id derives from the name, so a second user of that name is a 409.

        The name must be ASCII (``domain.users.names``); it is kept in lower case."""
        username = normalise_username(username)
        for scope in scopes:
            check_scope(scope)
        new_id = user_id(username)
        self._authorize(ctx.principal, User, "create", NOWHERE)
        authorize_user_change(
            ctx.principal, "user.create", str(new_id), scopes, roles=roles, scopes=scopes
        )
        role_names = [str(r) for r in roles]
        content: dict[str, object] = {
            "username": username,
            "roles": role_names,
            "scopes": list(scopes),
            "password_hash": password_hash,
        }
        return self._create(
            User,
            new_id,
            ctx,
            content,
            lambda: [
                User(
                    id=new_id,
                    username=username,
                    roles=role_names,
                    scopes=list(scopes),
                    password_hash=password_hash,
                    occurred_at=ctx.occurred_at,
                    actor=ctx.actor,
                )
            ],
            action="create",
            at=NOWHERE,
        )

    def user_named(self, username: str) -> User:
        """The user with this name (``NotFoundError`` if none)."""
        try:
            return self.get(User, user_id(username))
        except NotFoundError:
            raise NotFoundError("user", username) from None

    def users(self, principal: Principal | None = None) -> list[User]:
        """Every user, in order of creation (administrators only: 403 for anyone else)."""
        self._authorize(principal, User, "read", NOWHERE)
        topic = get_topic(User.Created)
        found: list[User] = []
        start = 1
        while True:
            page = self.recorder.select_notifications(start, _LIST_PAGE, topics=[topic])
            found += [self.get(User, UUID(str(n.originator_id))) for n in page]
            if len(page) < _LIST_PAGE:
                return found
            start = page[-1].id + 1

    def _change_user(
        self, username: str, ctx: CommandContext, action: str, command: Callable[[User], None]
    ) -> Written:
        return self._change(User, user_id(username), ctx, command, action=action)

    def grant_role(self, username: str, role: Role, ctx: CommandContext) -> Written:
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal

        def grant(u: User) -> None:
            authorize_user_change(who, "user.grant", str(u.id), u.scopes, roles=[role])
            u.grant_role(role, at, actor)

        return self._change_user(username, ctx, "grant", grant)

    def revoke_role(self, username: str, role: Role, ctx: CommandContext) -> Written:
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal

        def revoke(u: User) -> None:
            authorize_user_change(who, "user.revoke", str(u.id), u.scopes)
            u.revoke_role(role, at, actor)

        return self._change_user(username, ctx, "revoke", revoke)

    def assign_scope(self, username: str, scope: str, ctx: CommandContext) -> Written:
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal

        def assign(u: User) -> None:
            check_scope(scope)
            authorize_user_change(who, "user.scope", str(u.id), [*u.scopes, scope], scopes=[scope])
            u.assign_scope(scope, at, actor)

        return self._change_user(username, ctx, "scope", assign)

    def remove_scope(self, username: str, scope: str, ctx: CommandContext) -> Written:
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal

        def remove(u: User) -> None:
            authorize_user_change(who, "user.scope", str(u.id), u.scopes)
            u.remove_scope(scope, at, actor)

        return self._change_user(username, ctx, "scope", remove)

    def change_password(self, username: str, password_hash: str, ctx: CommandContext) -> Written:
        """Ends every session of the user (refresh and access tokens carry the generation)."""
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal

        def change(u: User) -> None:
            authorize_account_change(who, "user.password", str(u.id), u.roles, u.scopes)
            u.change_password(password_hash, at, actor)

        return self._change_user(username, ctx, "password", change)

    def deactivate_user(self, username: str, reason: str, ctx: CommandContext) -> Written:
        """Ends every session of the user."""
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal

        def deactivate(u: User) -> None:
            authorize_account_change(who, "user.deactivate", str(u.id), u.roles, u.scopes)
            u.deactivate(reason, at, actor)

        return self._change_user(username, ctx, "deactivate", deactivate)

    def link_field_worker(
        self, username: str, worker_id: UUID | None, ctx: CommandContext
    ) -> Written:
        """Link the user to the field-worker record it works as (``None``: unlink). An
        administrator who may change the account and sees the record; an active record only."""
        at, actor, who = ctx.occurred_at, ctx.actor, ctx.principal
        worker = None if worker_id is None else self.read(FieldWorker, worker_id, who)

        def link(u: User) -> None:
            authorize_account_change(who, "user.link", str(u.id), u.roles, u.scopes)
            if worker is None:
                u.unlink_field_worker(at, actor)
                return
            if not worker.active:
                raise RuleViolation("field-worker-active", "the field worker is deactivated")
            u.link_field_worker(str(worker.id), at, actor)

        return self._change_user(username, ctx, "link", link)

    def end_sessions(self, user: UUID, reason: str, ctx: CommandContext) -> Written:
        """Ends every session of the user, by id (the system, on a replayed refresh token)."""
        at, actor = ctx.occurred_at, ctx.actor
        return self._change(
            User, user, ctx, lambda u: u.end_sessions(reason, at, actor), action="password"
        )

    def choose_language(self, user: UUID, language: str, ctx: CommandContext) -> Written:
        """A user's own choice of language for the pages: only the user makes it (no role's
        permission, not even an administrator's, reaches another's preference)."""
        if ctx.principal is not None and ctx.principal.user_id != str(user):
            raise Forbidden("user.language")
        at, actor = ctx.occurred_at, ctx.actor
        own = replace(ctx, principal=None)  # checked above: the account is the caller's own
        return self._change(
            User, user, own, lambda u: u.choose_language(language, at, actor), action="language"
        )
