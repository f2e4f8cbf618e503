"""The User aggregate: who may sign in, with which roles over which scopes.

The password is stored only as a hash computed outside the domain (argon2, in ``api.auth``).
``generation`` grows whenever a change must end existing sessions (password changed, role
revoked, deactivated, a stolen refresh token replayed): tokens carry the generation they
were issued at.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.access.principal import Principal, Role
from domain.base import SukumaAggregate
from domain.errors import InvalidCommand, RuleViolation

# Fixed forever: user ids derive from user names, so a second "thandi" is the same id (409).
USER_NAMESPACE = uuid.UUID("6f1f5c2e-2a4e-4d8b-9a55-0d6b3c1f7a10")
SCOPE_LEVELS = ("ward", "municipality", "district", "province", "department", "pii")
#: A language a user may choose: an ISO 639-1 code (which ones the pages offer is theirs).
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def user_id(username: str) -> UUID:
    """The user's id: the same name (case-insensitive) always gives the same id."""
    return uuid.uuid5(USER_NAMESPACE, username.strip().lower())


def check_scope(scope: str) -> None:
    level, sep, code = scope.partition(":")
    if not sep or not code or level not in SCOPE_LEVELS:
        raise InvalidCommand(
            "scope", f"{scope!r}: expected <level>:<code>, level one of {', '.join(SCOPE_LEVELS)}"
        )


class User(SukumaAggregate):
    """Created, role granted/revoked, scope assigned/removed, password changed, deactivated,
    sessions ended, language chosen, linked to (or unlinked from) a field-worker record."""

    #: The language the user chose for the pages (``None``: the browser's, until chosen).
    #: A class default, so users created before the event existed read as not chosen.
    language: str | None = None
    #: The field-worker record this user works as (its caseload is the user's "my
    #: households"); ``None``: not linked. A class default, as ``language``.
    field_worker_id: str | None = None

    class Created(SukumaAggregate.Created):
        username: str
        roles: list[str]
        scopes: list[str]
        password_hash: str

    class RoleGranted(SukumaAggregate.Event):
        role: str

    class RoleRevoked(SukumaAggregate.Event):
        role: str

    class ScopeAssigned(SukumaAggregate.Event):
        scope: str

    class ScopeRemoved(SukumaAggregate.Event):
        scope: str

    class PasswordChanged(SukumaAggregate.Event):
        password_hash: str

    class Deactivated(SukumaAggregate.Event):
        reason: str

    class SessionsEnded(SukumaAggregate.Event):
        reason: str

    class LanguageChosen(SukumaAggregate.Event):
        language: str

    class FieldWorkerLinked(SukumaAggregate.Event):
        field_worker_id: str

    class FieldWorkerUnlinked(SukumaAggregate.Event):
        field_worker_id: str

    @event(Created)
    def __init__(
        self,
        *,
        id: UUID,
        username: str,
        roles: list[str],
        scopes: list[str],
        password_hash: str,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        self.username = username
        self.roles = list(roles)
        self.scopes = list(scopes)
        self.password_hash = password_hash
        self.active = True
        self.generation = 0

    def _ensure_active(self) -> None:
        if not self.active:
            raise RuleViolation("user-active", f"user {self.username} is deactivated")

    @property
    def principal(self) -> Principal:
        return Principal(
            user_id=str(self.id),
            username=self.username,
            roles=frozenset(Role(r) for r in self.roles),
            scopes=frozenset(self.scopes),
        )

    def grant_role(self, role: Role, occurred_at: datetime, actor: str) -> None:
        self._ensure_active()
        if role in self.roles:
            raise RuleViolation("role-unique", f"{self.username} already has role {role}")
        self._role_granted(role=str(role), occurred_at=occurred_at, actor=actor)

    @event(RoleGranted)
    def _role_granted(self, role: str, occurred_at: datetime, actor: str) -> None:
        self.roles.append(role)

    def revoke_role(self, role: Role, occurred_at: datetime, actor: str) -> None:
        if role not in self.roles:
            raise RuleViolation("role-held", f"{self.username} does not have role {role}")
        self._role_revoked(role=str(role), occurred_at=occurred_at, actor=actor)

    @event(RoleRevoked)
    def _role_revoked(self, role: str, occurred_at: datetime, actor: str) -> None:
        self.roles.remove(role)
        self.generation += 1

    def assign_scope(self, scope: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_active()
        check_scope(scope)
        if scope in self.scopes:
            raise RuleViolation("scope-unique", f"{self.username} already has scope {scope}")
        self._scope_assigned(scope=scope, occurred_at=occurred_at, actor=actor)

    @event(ScopeAssigned)
    def _scope_assigned(self, scope: str, occurred_at: datetime, actor: str) -> None:
        self.scopes.append(scope)

    def remove_scope(self, scope: str, occurred_at: datetime, actor: str) -> None:
        if scope not in self.scopes:
            raise RuleViolation("scope-held", f"{self.username} does not have scope {scope}")
        self._scope_removed(scope=scope, occurred_at=occurred_at, actor=actor)

    @event(ScopeRemoved)
    def _scope_removed(self, scope: str, occurred_at: datetime, actor: str) -> None:
        self.scopes.remove(scope)
        self.generation += 1

    def change_password(self, password_hash: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_active()
        self._password_changed(password_hash=password_hash, occurred_at=occurred_at, actor=actor)

    @event(PasswordChanged)
    def _password_changed(self, password_hash: str, occurred_at: datetime, actor: str) -> None:
        self.password_hash = password_hash
        self.generation += 1

    def deactivate(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self._ensure_active()
        self._deactivated(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(Deactivated)
    def _deactivated(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.active = False
        self.generation += 1

    def end_sessions(self, reason: str, occurred_at: datetime, actor: str) -> None:
        """End every session (a replayed refresh token: the chain may be a thief's)."""
        self._sessions_ended(reason=reason, occurred_at=occurred_at, actor=actor)

    @event(SessionsEnded)
    def _sessions_ended(self, reason: str, occurred_at: datetime, actor: str) -> None:
        self.generation += 1

    def choose_language(self, language: str, occurred_at: datetime, actor: str) -> None:
        """The language the pages speak to this user, wherever they sign in."""
        if not LANGUAGE_CODE.match(language):
            raise InvalidCommand("language", f"{language!r} is not a two-letter language code")
        if language == self.language:
            return  # chosen already: nothing happened
        self._language_chosen(language=language, occurred_at=occurred_at, actor=actor)

    @event(LanguageChosen)
    def _language_chosen(self, language: str, occurred_at: datetime, actor: str) -> None:
        self.language = language

    def link_field_worker(self, field_worker_id: str, occurred_at: datetime, actor: str) -> None:
        """Work as this field-worker record (one at a time: a new link replaces the old)."""
        self._ensure_active()
        if Role.FIELD_WORKER not in self.roles:
            raise RuleViolation(
                "user-field-worker-role", f"{self.username} does not hold the field_worker role"
            )
        if field_worker_id == self.field_worker_id:
            raise RuleViolation("link-unchanged", f"{self.username} is linked to it already")
        self._field_worker_linked(
            field_worker_id=field_worker_id, occurred_at=occurred_at, actor=actor
        )

    @event(FieldWorkerLinked)
    def _field_worker_linked(self, field_worker_id: str, occurred_at: datetime, actor: str) -> None:
        self.field_worker_id = field_worker_id

    def unlink_field_worker(self, occurred_at: datetime, actor: str) -> None:
        if self.field_worker_id is None:
            raise RuleViolation("link-unchanged", f"{self.username} is linked to no field worker")
        self._field_worker_unlinked(
            field_worker_id=self.field_worker_id, occurred_at=occurred_at, actor=actor
        )

    @event(FieldWorkerUnlinked)
    def _field_worker_unlinked(
        self, field_worker_id: str, occurred_at: datetime, actor: str
    ) -> None:
        self.field_worker_id = None
