"""Demo users: one per role around the first demo ward, with the published password."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.passwords import verify_password
from domain.access.principal import Role
from sukuma.demo.users import DEMO_PASSWORD, add_demo_users, first_ward
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
