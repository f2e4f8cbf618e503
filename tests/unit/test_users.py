"""Users on in-memory persistence, and the access policy applied by the application itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.access.policy import Forbidden
from domain.access.principal import Principal, Role
from domain.context import CommandContext, Written
from domain.errors import AlreadyExists, InvalidCommand, NotFoundError, RuleViolation
from domain.households.model import Household
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from domain.users.model import User, user_id

T0 = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
WARD, OTHER_WARD = (w.id for w in geography().wards_in("municipality", "KZN225")[:2])


def ctx(principal: Principal | None = None) -> CommandContext:
    return CommandContext(
        actor=principal.actor if principal else "system", occurred_at=T0, principal=principal
    )


def convener(ward_id: str) -> Principal:
    return Principal("c", "convener", frozenset({Role.CONVENER}), frozenset({f"ward:{ward_id}"}))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sukuma]:
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    application = Sukuma()
    yield application
    application.close()


def add(app: Sukuma, name: str = "thandi", *roles: Role, scopes: tuple[str, ...] = ()) -> User:
    app.add_user(
        username=name,
        roles=list(roles or (Role.CONVENER,)),
        scopes=list(scopes),
        password_hash="argon2-hash",
        ctx=ctx(),
    )
    return app.user_named(name)


def test_a_user_id_follows_from_the_name_so_a_second_user_of_that_name_conflicts(
    app: Sukuma,
) -> None:
    user = add(app, "thandi", Role.CONVENER, scopes=(f"ward:{WARD}",))

    assert user.id == user_id("Thandi ")
    assert user.principal.roles == {Role.CONVENER}
    with pytest.raises(AlreadyExists):
        app.add_user(
            username="thandi",
            roles=[Role.ANALYST],
            scopes=[],
            password_hash="another-hash",
            ctx=ctx(),
        )


def test_a_malformed_scope_is_refused(app: Sukuma) -> None:
    with pytest.raises(InvalidCommand):
        app.add_user(
            username="sipho",
            roles=[Role.ANALYST],
            scopes=["everywhere"],
            password_hash="h",
            ctx=ctx(),
        )


def test_password_change_revocation_and_deactivation_end_sessions(app: Sukuma) -> None:
    add(app, "thandi", Role.CONVENER, Role.ANALYST)

    app.grant_role("thandi", Role.FIELD_WORKER, ctx())
    assert app.user_named("thandi").generation == 0  # more rights: old tokens stay valid
    app.change_password("thandi", "new-hash", ctx())
    app.revoke_role("thandi", Role.ANALYST, ctx())
    app.deactivate_user("thandi", "left the programme", ctx())

    user = app.user_named("thandi")
    assert (user.generation, user.active, user.password_hash) == (3, False, "new-hash")
    assert sorted(user.roles) == [Role.CONVENER, Role.FIELD_WORKER]
    with pytest.raises(RuleViolation):
        app.assign_scope("thandi", f"ward:{WARD}", ctx())


def test_users_are_listed_in_order_of_creation(app: Sukuma) -> None:
    add(app, "b-user")
    add(app, "a-user")
    assert [u.username for u in app.users()] == ["b-user", "a-user"]


def test_only_an_admin_manages_users(app: Sukuma) -> None:
    add(app, "thandi")
    admin = Principal("a", "admin", frozenset({Role.ADMIN}), frozenset({"municipality:KZN225"}))
    outsider = convener(WARD)

    app.assign_scope("thandi", f"ward:{WARD}", ctx(admin))
    with pytest.raises(NotFoundError):
        app.deactivate_user("thandi", "no reason", ctx(outsider))
    with pytest.raises(Forbidden):
        app.add_user(
            username="mallory", roles=[Role.ADMIN], scopes=[], password_hash="h", ctx=ctx(outsider)
        )
    with pytest.raises(Forbidden):
        app.users(outsider)


def test_the_application_hides_an_object_outside_scope_and_refuses_a_forbidden_action(
    app: Sukuma,
) -> None:
    household_id = uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(convener(WARD)),
    )
    analyst = Principal("n", "analyst", frozenset({Role.ANALYST}), frozenset({"district:DC22"}))

    with pytest.raises(NotFoundError):
        app.record_visit(
            household_id=household_id,
            visit_id=uuid4(),
            field_worker_id=None,
            outcome="met_household",
            days_skipped_meal_last_7=None,
            note=None,
            ctx=ctx(convener(OTHER_WARD)),
        )
    with pytest.raises(NotFoundError):
        app.read(Household, household_id, convener(OTHER_WARD))
    with pytest.raises(NotFoundError):
        app.history(Household, household_id, principal=convener(OTHER_WARD))
    with pytest.raises(Forbidden):
        app.record_visit(
            household_id=household_id,
            visit_id=uuid4(),
            field_worker_id=None,
            outcome="met_household",
            days_skipped_meal_last_7=None,
            note=None,
            ctx=ctx(analyst),
        )
    with pytest.raises(Forbidden):
        app.register_household(
            household_id=uuid4(),
            ward_id=OTHER_WARD,
            dwelling_type="formal",
            village=None,
            gps=None,
            field_worker_id=None,
            ctx=ctx(convener(WARD)),
        )
    assert app.read(Household, household_id, analyst).ward_id == WARD
    assert app.get(Household, household_id).version == 1  # nothing refused was written


def test_a_retried_creation_is_answered_only_to_whom_may_see_it(app: Sukuma) -> None:
    household_id, need_id, referral_id = uuid4(), uuid4(), uuid4()
    app.register_household(
        household_id=household_id,
        ward_id=WARD,
        dwelling_type="formal",
        village=None,
        gps=None,
        field_worker_id=None,
        ctx=ctx(),
    )
    app.identify_need(
        household_id=household_id,
        need_id=need_id,
        category="social_grant",
        severity="high",
        department_code=None,
        member_id=None,
        note=None,
        ctx=ctx(),
    )

    def refer(by: Principal) -> Written:
        return app.make_referral(
            referral_id=referral_id,
            household_id=household_id,
            need_id=str(need_id),
            department_code="SASSA",
            personal_data_shared=False,
            note=None,
            ctx=ctx(by),
        )

    refer(convener(WARD))
    assert refer(convener(WARD)).version == 1
    with pytest.raises(NotFoundError):
        refer(convener(OTHER_WARD))


def test_an_admin_resets_passwords_and_deactivates_only_accounts_within_its_reach(
    app: Sukuma,
) -> None:
    # Given a ward admin, a province admin, and users inside and outside the ward admin's area
    add(app, "inside", scopes=(f"ward:{WARD}",))
    add(app, "elsewhere", scopes=("municipality:ETH",))
    add(app, "analyst", Role.ANALYST, scopes=(f"ward:{WARD}", "pii:read"))
    add(app, "boss", Role.ADMIN, scopes=("province:KZN",))
    ward_admin = Principal(
        str(user_id("local")), "local", frozenset({Role.ADMIN}), frozenset({"municipality:KZN225"})
    )
    province_admin = Principal(
        str(user_id("boss")), "boss", frozenset({Role.ADMIN}), frozenset({"province:KZN"})
    )

    # Then a new password (and so a sign-in) only for accounts no more powerful than itself
    app.change_password("inside", "new-hash", ctx(ward_admin))
    for name in ("elsewhere", "analyst", "boss"):
        with pytest.raises(Forbidden):
            app.change_password(name, "new-hash", ctx(ward_admin))
        with pytest.raises(Forbidden):
            app.deactivate_user(name, "taking over", ctx(ward_admin))
    app.change_password("boss", "own-new-hash", ctx(province_admin))  # its own
    app.deactivate_user("analyst", "left", ctx(province_admin))
    assert app.user_named("boss").active and not app.user_named("analyst").active


def test_the_domain_refuses_a_look_alike_name_and_keeps_names_in_lower_case(app: Sukuma) -> None:
    with pytest.raises(InvalidCommand, match="U\\+0430 CYRILLIC SMALL LETTER A"):
        add(app, "demo-\u0430dmin")

    assert add(app, "Demo-Admin").username == "demo-admin"


def test_a_user_chooses_its_own_language_and_only_its_own(app: Sukuma) -> None:
    user = add(app, "thandi", Role.CONVENER, scopes=(f"ward:{WARD}",))
    admin = add(app, "admin", Role.ADMIN, scopes=("province:KZN",)).principal

    app.choose_language(user.id, "zu", ctx(user.principal))
    app.choose_language(user.id, "zu", ctx(user.principal))  # chosen already: nothing new
    with pytest.raises(Forbidden):
        app.choose_language(user.id, "en", ctx(admin))
    with pytest.raises(InvalidCommand):
        app.choose_language(user.id, "isiZulu", ctx(user.principal))

    chosen = app.user_named("thandi")
    assert (chosen.language, chosen.generation) == ("zu", 0)  # its sessions go on
    events = [type(e).__name__ for e in app.repository.event_store.get(user.id)]
    assert events == ["Created", "LanguageChosen"]
