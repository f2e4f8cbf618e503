"""User administration and sign-in shapes (a password never appears in a read shape)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, SecretStr, StringConstraints

from api.schemas.common import CommandBody, Reason
from domain.access.principal import Principal, Role
from domain.errors import InvalidCommand
from domain.users.model import User
from domain.users.names import USERNAME_PATTERN, USERNAME_RULE, normalise_username


def _username(raw: str) -> str:
    try:
        return normalise_username(raw)
    except InvalidCommand as exc:
        raise ValueError(exc.message) from None


# The domain's rule (the CLI's too), so both refuse the same names with the same message;
# the pattern is for the schema's readers, the validator decides.
Username = Annotated[
    str,
    AfterValidator(_username),
    Field(
        description=f"{USERNAME_RULE[0].upper()}{USERNAME_RULE[1:]} (stored in lower case)",
        json_schema_extra={"pattern": USERNAME_PATTERN, "minLength": 2, "maxLength": 64},
    ),
]
Scope = Annotated[
    str,
    StringConstraints(
        pattern=r"^(ward|municipality|district|province|department):[A-Za-z0-9_:-]{1,40}$|^pii:read$"
    ),
    Field(
        description="ward:<id>, municipality:KZN225, district:DC22, province:KZN, "
        "department:<code> or pii:read"
    ),
]
Password = Annotated[SecretStr, Field(min_length=10, max_length=256)]


class AddUser(CommandBody):
    username: Username
    roles: list[Role] = Field(min_length=1)
    scopes: list[Scope] = Field(default_factory=list)
    password: Password


class GrantRole(CommandBody):
    role: Role


class AssignScope(CommandBody):
    scope: Scope


class ChangePassword(CommandBody):
    password: Password


class DeactivateUser(CommandBody):
    reason: Reason


class LinkFieldWorker(CommandBody):
    #: The field-worker record the user works as; ``null`` unlinks it.
    field_worker_id: UUID | None


class UserRead(BaseModel):
    id: str
    version: int
    username: str
    roles: list[str]
    scopes: list[str]
    active: bool
    #: The field-worker record the user works as (its caseload is its "my households").
    field_worker_id: str | None = None

    @classmethod
    def of(cls, user: User) -> UserRead:
        return cls(
            id=str(user.id),
            version=user.version,
            username=user.username,
            roles=sorted(user.roles),
            scopes=sorted(user.scopes),
            active=user.active,
            field_worker_id=user.field_worker_id,
        )


class UserList(BaseModel):
    data: list[UserRead]


class MeRead(BaseModel):
    """The caller as its token says."""

    user_id: str
    username: str
    roles: list[str]
    scopes: list[str]
    may_read_pii: bool

    @classmethod
    def of(cls, principal: Principal) -> MeRead:
        return cls(
            user_id=principal.user_id,
            username=principal.username,
            roles=sorted(principal.roles),
            scopes=sorted(principal.scopes),
            may_read_pii=principal.may_read_pii,
        )


class TokenRead(BaseModel):
    """OAuth2 token response (RFC 6749 §5.1) plus a rotating refresh token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str
