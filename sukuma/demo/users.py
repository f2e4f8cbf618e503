"""Demo users, one per role, with published passwords: for a demo only, never for real data."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from adapters.passwords import hash_password
from domain.access.principal import Role
from domain.context import CommandContext
from domain.errors import DomainError, NotFoundError
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma

#: Every demo user's password (documented in the README; demo only).
DEMO_PASSWORD = "sukuma-demo"
DEMO_DEPARTMENT = "SASSA"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    scopes: tuple[str, ...]


def demo_users(ward_id: str) -> list[DemoUser]:
    """One user per role around ``ward_id`` (the first demo ward).

    The administrator's area is the province: an administrator acts on households (consent,
    erasure) only inside its area, and only a province-wide one may administer other admins.
    """
    ward = geography().ward(ward_id)
    return [
        DemoUser("demo-field-worker", Role.FIELD_WORKER, (f"ward:{ward_id}",)),
        DemoUser("demo-convener", Role.CONVENER, (f"ward:{ward_id}",)),
        DemoUser(
            "demo-officer",
            Role.DEPARTMENT_OFFICER,
            (f"municipality:{ward.municipality_code}", f"department:{DEMO_DEPARTMENT}"),
        ),
        DemoUser("demo-analyst", Role.ANALYST, (f"district:{ward.district_code}",)),
        DemoUser("demo-admin", Role.ADMIN, (f"province:{geography().province.code}",)),
    ]


def first_household(app: Sukuma) -> Household | None:
    """The first household in the log, if any."""
    found = app.recorder.select_notifications(1, 1, topics=[get_topic(Household.Registered)])
    if not found:
        return None
    return app.get(Household, UUID(str(found[0].originator_id)))


def first_ward(app: Sukuma) -> str | None:
    """The ward of the first household in the log, if any."""
    household = first_household(app)
    return None if household is None else household.ward_id


def _link_field_worker(app: Sukuma, username: str, ctx: CommandContext) -> None:
    """Link the demo field worker to the record whose caseload holds the first household, so
    its "my households" is a caseload (left unlinked if that record cannot be linked)."""
    household = first_household(app)
    if household is None or household.field_worker_id is None:
        return
    with suppress(DomainError):
        app.link_field_worker(username, UUID(household.field_worker_id), ctx)


def add_demo_users(app: Sukuma, now: datetime) -> list[DemoUser]:
    """Add the demo users that do not exist yet, scoped to the first demo ward.

    An existing demo user with no scope at all (the administrator of earlier demos) is given
    its area: without one it could see and do nothing.
    """
    ward_id = first_ward(app)
    if ward_id is None:
        return []
    password_hash = hash_password(DEMO_PASSWORD)
    ctx = CommandContext(actor="demo", occurred_at=now)
    added = []
    for user in demo_users(ward_id):
        try:
            existing = app.user_named(user.username)
        except NotFoundError:
            app.add_user(
                username=user.username,
                roles=[user.role],
                scopes=list(user.scopes),
                password_hash=password_hash,
                ctx=ctx,
            )
            added.append(user)
            if user.role is Role.FIELD_WORKER:
                _link_field_worker(app, user.username, ctx)
        else:
            if not existing.scopes:
                for scope in user.scopes:
                    app.assign_scope(user.username, scope, ctx)
    return added
