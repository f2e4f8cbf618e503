"""Demo users: one per role around the first demo ward, with the published password."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.passwords import verify_password
from domain.access.policy import Decision, Location, decide
from domain.access.principal import Role
from domain.context import CommandContext
from domain.reference.geography import geography
from sukuma.demo.users import DEMO_PASSWORD, add_demo_users, first_household, first_ward
from tests.unit.test_demo import demo_app


def test_demo_users_one_per_role_sign_in_with_the_published_password() -> None:
    app, _ = demo_app(20, seed=5)
    now = datetime.now(UTC)

    added = add_demo_users(app, now)
    again = add_demo_users(app, now)

    assert sorted(u.role for u in added) == sorted(Role)
    assert again == []
    convener = app.user_named("demo-convener")
    assert convener.scopes == [f"ward:{first_ward(app)}"]
    assert verify_password(convener.password_hash, DEMO_PASSWORD)


def test_demo_admin_may_record_consent_and_erase_in_the_demo_area() -> None:
    app, _ = demo_app(20, seed=5)
    add_demo_users(app, datetime.now(UTC))
    admin = app.user_named("demo-admin").principal
    ward_id = first_ward(app)
    assert ward_id is not None

    assert admin.scopes == {f"province:{geography().province.code}"}
    for action in ("household.read", "household.consent", "household.erase"):
        assert decide(admin, action, Location.ward(ward_id)) is Decision.ALLOW, action


def test_an_earlier_demo_admin_without_an_area_is_given_one() -> None:
    app, _ = demo_app(20, seed=5)
    now = datetime.now(UTC)
    ctx = CommandContext(actor="demo", occurred_at=now)
    app.add_user(username="demo-admin", roles=[Role.ADMIN], scopes=[], password_hash="x", ctx=ctx)

    added = add_demo_users(app, now)

    assert "demo-admin" not in {u.username for u in added}
    assert app.user_named("demo-admin").scopes == [f"province:{geography().province.code}"]


def test_the_demo_field_worker_is_linked_to_the_record_of_the_first_households_caseload() -> None:
    app, _ = demo_app(20, seed=5)
    add_demo_users(app, datetime.now(UTC))
    first = first_household(app)

    assert first is not None
    worker = first.field_worker_id

    assert worker is not None
    assert app.user_named("demo-field-worker").field_worker_id == worker
