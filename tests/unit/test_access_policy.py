"""The access policy without a database: who sees (404), who may act (403), what lists show."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access.locations import alert_location
from domain.access.policy import (
    AREA_VIEW,
    NOWHERE,
    PERMISSIONS,
    Area,
    Decision,
    Forbidden,
    Location,
    authorize_user_change,
    decide,
    row_scope,
    sees_area,
    subscriber_principal,
    subscriber_scope_problem,
    subscriber_sees,
)
from domain.access.principal import PII_READ, Principal, Role
from domain.reference.geography import geography

GEO = geography()
KZN225 = GEO.wards_in("municipality", "KZN225")
WARD, OTHER_WARD = KZN225[0].id, KZN225[1].id
ETH_WARD = GEO.wards_in("municipality", "ETH")[0].id


def who(*roles: Role, scopes: tuple[str, ...] = ()) -> Principal:
    return Principal("u", "u", frozenset(roles), frozenset(scopes))


def test_a_field_worker_registers_and_visits_in_own_ward_only() -> None:
    worker = who(Role.FIELD_WORKER, scopes=(f"ward:{WARD}",))

    assert decide(worker, "household.visit", Location.ward(WARD)) is Decision.ALLOW
    assert decide(worker, "household.register", Location.ward(WARD)) is Decision.ALLOW
    assert decide(worker, "household.visit", Location.ward(OTHER_WARD)) is Decision.INVISIBLE


def test_a_field_worker_cannot_act_for_a_department_or_graduate_a_household() -> None:
    worker = who(Role.FIELD_WORKER, scopes=(f"ward:{WARD}",))
    referral = Location.ward(WARD, "DSD")

    assert decide(worker, "referral.read", referral) is Decision.ALLOW
    assert decide(worker, "referral.acknowledge", referral) is Decision.FORBIDDEN
    assert decide(worker, "household.refer", Location.ward(WARD)) is Decision.FORBIDDEN
    assert decide(worker, "household.graduate", Location.ward(WARD)) is Decision.FORBIDDEN


def test_a_convener_runs_its_war_room_and_referrals_but_not_the_departments_part() -> None:
    convener = who(Role.CONVENER, scopes=(f"ward:{WARD}",))

    assert decide(convener, "warroom.meeting", Location.ward(WARD)) is Decision.ALLOW
    assert decide(convener, "household.refer", Location.ward(WARD)) is Decision.ALLOW
    assert decide(convener, "referral.close", Location.ward(WARD, "DSD")) is Decision.ALLOW
    assert decide(convener, "referral.deliver", Location.ward(WARD, "DSD")) is Decision.FORBIDDEN
    assert decide(convener, "warroom.read", Location.ward(OTHER_WARD)) is Decision.INVISIBLE


def test_a_department_officer_sees_only_its_departments_referrals_in_its_area() -> None:
    officer = who(Role.DEPARTMENT_OFFICER, scopes=("municipality:KZN225", "department:DSD"))

    assert decide(officer, "referral.acknowledge", Location.ward(WARD, "DSD")) is Decision.ALLOW
    assert decide(officer, "referral.close", Location.ward(WARD, "DSD")) is Decision.FORBIDDEN
    assert decide(officer, "referral.read", Location.ward(WARD, "SASSA")) is Decision.INVISIBLE
    assert decide(officer, "referral.read", Location.ward(ETH_WARD, "DSD")) is Decision.INVISIBLE
    assert decide(officer, "household.read", Location.ward(WARD)) is Decision.INVISIBLE


def test_an_analyst_reads_its_district_and_writes_nothing() -> None:
    analyst = who(Role.ANALYST, scopes=("district:DC22",))
    ward = Location.ward(WARD)  # KZN225 lies in DC22

    assert decide(analyst, "household.read", ward) is Decision.ALLOW
    assert decide(analyst, "household.visit", ward) is Decision.FORBIDDEN
    assert decide(analyst, "household.read", Location.ward(ETH_WARD)) is Decision.INVISIBLE
    assert sees_area(analyst, AREA_VIEW, "municipality", "KZN225")
    assert sees_area(analyst, "fieldworker", "ward", WARD)
    assert not sees_area(analyst, AREA_VIEW, "province", "KZN")
    assert not analyst.may_read_pii
    assert who(Role.ANALYST, scopes=("district:DC22", PII_READ)).may_read_pii


def test_an_admin_manages_users_and_field_workers_and_handles_data_subject_requests() -> None:
    admin = who(Role.ADMIN, scopes=("municipality:KZN225",))
    foreign_ward = geography().wards_in("municipality", "KZN226")[0].id

    assert decide(admin, "user.create", NOWHERE) is Decision.ALLOW
    assert decide(admin, "fieldworker.assign", Location.ward(WARD)) is Decision.ALLOW
    assert decide(admin, "audit.read", NOWHERE) is Decision.ALLOW
    # Consent records and erasure (POPIA) in the admin's own area, and no other casework:
    assert decide(admin, "household.erase", Location.ward(WARD)) is Decision.ALLOW
    assert decide(admin, "household.consent", Location.ward(WARD)) is Decision.ALLOW
    assert decide(admin, "household.visit", Location.ward(WARD)) is Decision.FORBIDDEN
    assert decide(admin, "household.erase", Location.ward(foreign_ward)) is Decision.INVISIBLE
    assert decide(admin, "referral.read", Location.ward(WARD, "DSD")) is Decision.INVISIBLE
    assert not sees_area(admin, AREA_VIEW, "municipality", "KZN225")
    assert row_scope(admin, "household").sees(Location.ward(WARD))
    assert not row_scope(admin, "household").sees(Location.ward(foreign_ward))
    assert not row_scope(admin, "referral").sees(Location.ward(WARD, "DSD"))
    # War rooms' seats in its area (who sits there), but not their meetings or action items
    assert decide(admin, "warroom.member", Location.ward(WARD)) is Decision.ALLOW
    assert decide(admin, "warroom.meeting", Location.ward(WARD)) is Decision.FORBIDDEN
    assert decide(admin, "warroom.member", Location.ward(foreign_ward)) is Decision.INVISIBLE


def test_only_an_admin_reads_the_personal_data_access_log() -> None:
    for role in set(Role) - {Role.ADMIN}:
        assert decide(who(role, scopes=("province:KZN", PII_READ)), "audit.read", NOWHERE) is (
            Decision.INVISIBLE
        )


def test_only_a_convener_may_override_missing_consent() -> None:
    for role in Role:
        decision = decide(
            who(role, scopes=("province:KZN",)), "household.override_consent", Location.ward(WARD)
        )
        assert (decision is Decision.ALLOW) is (role is Role.CONVENER), role


def test_nobody_but_an_admin_sees_users() -> None:
    for role in set(Role) - {Role.ADMIN}:
        assert decide(who(role, scopes=("province:KZN",)), "user.read", NOWHERE) is (
            Decision.INVISIBLE
        )


def test_an_unknown_kind_or_verb_fails_closed() -> None:
    everyone = who(*Role, scopes=("province:KZN",))

    assert decide(everyone, "spaceship.read", Location.ward(WARD)) is Decision.INVISIBLE
    assert decide(everyone, "household.shred", Location.ward(WARD)) is Decision.FORBIDDEN


# ---- properties ----------------------------------------------------------------------------------

wards = st.sampled_from([w.id for w in GEO.wards[::7]])
departments = st.sampled_from(["DSD", "SASSA", "DOH", "DHA"])
scopes = st.one_of(
    wards.map(lambda w: f"ward:{w}"),
    st.sampled_from([m.code for m in GEO.municipalities]).map(lambda m: f"municipality:{m}"),
    st.sampled_from([d.code for d in GEO.districts]).map(lambda d: f"district:{d}"),
    st.just("province:KZN"),
    departments.map(lambda d: f"department:{d}"),
)
principals = st.builds(
    lambda roles, scopes: Principal("u", "u", frozenset(roles), frozenset(scopes)),
    st.sets(st.sampled_from(list(Role)), max_size=3),
    st.sets(scopes, max_size=4),
)
locations = st.builds(Location.ward, wards, st.one_of(st.none(), departments))
kinds = st.sampled_from(["household", "referral", "warroom"])
listed_kinds = st.sampled_from(["household", "referral"])
verbs = st.sampled_from(sorted({v for p in PERMISSIONS.values() for vs in p.values() for v in vs}))


@given(principals, listed_kinds, locations)
def test_lists_show_exactly_the_objects_the_policy_lets_one_read(
    principal: Principal, kind: str, location: Location
) -> None:
    if kind == "household":
        location = Location(location.wards)  # a household has no department
    readable = decide(principal, f"{kind}.read", location) is Decision.ALLOW
    assert row_scope(principal, kind).sees(location) == readable


@given(principals, kinds, verbs, locations)
def test_whoever_may_act_on_an_object_may_read_it(
    principal: Principal, kind: str, verb: str, location: Location
) -> None:
    acting = decide(principal, f"{kind}.{verb}", location)
    reading = decide(principal, f"{kind}.read", location)
    assert (acting is Decision.INVISIBLE) == (reading is Decision.INVISIBLE)
    if acting is Decision.ALLOW:
        assert reading is Decision.ALLOW


view_kinds = st.sampled_from([AREA_VIEW, "fieldworker"])


@given(principals, view_kinds, wards)
def test_a_ward_inside_a_visible_area_is_visible(
    principal: Principal, kind: str, ward_id: str
) -> None:
    municipality, district, province = GEO.ancestors(ward_id)
    for level, code in (("municipality", municipality), ("district", district)):
        if sees_area(principal, kind, level, code):
            assert sees_area(principal, kind, "ward", ward_id)
    if sees_area(principal, kind, "province", province):
        assert sees_area(principal, kind, "ward", ward_id)


@given(principals, view_kinds, wards)
def test_an_area_view_shows_what_the_table_lets_one_read_in_that_area(
    principal: Principal, kind: str, ward_id: str
) -> None:
    # The table alone says who sees a view: a role that may read the kind in the ward, and
    # the ward inside the principal's scopes (an administrator's field workers, seen anywhere,
    # only in its own area's views).
    readable = decide(principal, f"{kind}.read", Location.ward(ward_id)) is Decision.ALLOW
    in_scopes = Area.of(principal).covers_ward(ward_id)
    assert sees_area(principal, kind, "ward", ward_id) == (readable and in_scopes)


# ---- area views: one table (PERMISSIONS) says who sees which -------------------------------------


def test_a_department_officer_reads_its_areas_dashboard_but_not_field_worker_activity() -> None:
    officer = who(Role.DEPARTMENT_OFFICER, scopes=("municipality:KZN225", "department:DSD"))

    assert "read" in PERMISSIONS[Role.DEPARTMENT_OFFICER][AREA_VIEW]
    assert "fieldworker" not in PERMISSIONS[Role.DEPARTMENT_OFFICER]
    assert sees_area(officer, AREA_VIEW, "municipality", "KZN225")
    assert sees_area(officer, AREA_VIEW, "ward", WARD)
    assert not sees_area(officer, "fieldworker", "ward", WARD)
    assert not sees_area(officer, AREA_VIEW, "municipality", "ETH")


@pytest.mark.parametrize(
    ("role", "figures", "activity"),
    [
        (Role.FIELD_WORKER, True, True),
        (Role.CONVENER, True, True),
        (Role.DEPARTMENT_OFFICER, True, False),
        (Role.ANALYST, True, True),
        (Role.ADMIN, False, True),
    ],
)
def test_who_reads_an_areas_figures_and_its_field_workers_activity(
    role: Role, figures: bool, activity: bool
) -> None:
    user = who(role, scopes=("municipality:KZN225", "department:DSD"))

    assert sees_area(user, AREA_VIEW, "municipality", "KZN225") is figures
    assert sees_area(user, "fieldworker", "ward", WARD) is activity
    # Only inside its scopes, whatever the role (an administrator's field workers too).
    assert not sees_area(user, AREA_VIEW, "ward", ETH_WARD)
    assert not sees_area(user, "fieldworker", "ward", ETH_WARD)


def test_an_area_view_of_a_kind_narrowed_to_departments_or_unknown_is_refused() -> None:
    officer = who(Role.DEPARTMENT_OFFICER, scopes=("province:KZN", "department:DSD"))
    everyone = who(*Role, scopes=("province:KZN",))

    # A department officer reads its departments' referrals only, not a whole area's.
    assert not sees_area(officer, "referral", "ward", WARD)
    assert not sees_area(everyone, "spaceship", "ward", WARD)
    assert not sees_area(who(Role.ANALYST), AREA_VIEW, "ward", WARD)  # no area, no view


def test_an_area_wide_alert_is_seen_by_scopes_covering_that_area_only() -> None:
    # An alert about a department in a municipality names the municipality, not a ward.
    municipal = Location(department="DSD", municipality="KZN225", district="DC22")
    ward_convener = who(Role.CONVENER, scopes=(f"ward:{WARD}",))
    municipal_analyst = who(Role.ANALYST, scopes=("municipality:KZN225",))
    district_officer = who(Role.DEPARTMENT_OFFICER, scopes=("district:DC22", "department:DSD"))
    other_officer = who(Role.DEPARTMENT_OFFICER, scopes=("district:DC22", "department:SAPS"))

    assert decide(ward_convener, "alert.read", municipal) is Decision.INVISIBLE
    assert decide(municipal_analyst, "alert.acknowledge", municipal) is Decision.ALLOW
    assert decide(district_officer, "alert.resolve", municipal) is Decision.ALLOW
    assert decide(other_officer, "alert.read", municipal) is Decision.INVISIBLE
    assert row_scope(municipal_analyst, "alert").sees(municipal)
    assert not row_scope(ward_convener, "alert").sees(municipal)
    assert not row_scope(other_officer, "alert").sees(municipal)


def test_an_admin_hands_out_only_what_lies_inside_its_own_area() -> None:
    local = Principal(
        "admin-1", "local", frozenset({Role.ADMIN}), frozenset({"municipality:KZN225"})
    )
    province = Principal("admin-2", "prov", frozenset({Role.ADMIN}), frozenset({"province:KZN"}))
    inside, outside = f"ward:{WARD}", f"ward:{ETH_WARD}"

    def refused(admin: Principal, target_scopes: tuple[str, ...] = (), **change: object) -> bool:
        try:
            authorize_user_change(admin, "user.grant", "target", target_scopes, **change)  # type: ignore[arg-type]
        except Forbidden:
            return True
        return False

    # Never its own account, not even a province-wide admin:
    assert refused(local, (), scopes=[inside]) is False
    with pytest.raises(Forbidden):
        authorize_user_change(local, "user.scope", "admin-1", [inside], scopes=[inside])
    with pytest.raises(Forbidden):
        authorize_user_change(province, "user.grant", "admin-2", [], roles=[Role.CONVENER])
    with pytest.raises(Forbidden):
        authorize_user_change(province, "user.revoke", "admin-2", [])
    # Geographic scopes inside its own area only:
    assert refused(local, scopes=[outside])
    assert refused(local, scopes=["district:DC22"])
    assert refused(local, scopes=["province:KZN"])
    assert not refused(local, scopes=["municipality:KZN225"])
    # A role or a department scope acts over the user's whole area: inside the admin's only.
    assert not refused(local, (inside,), roles=[Role.CONVENER])
    assert refused(local, (outside,), roles=[Role.CONVENER])
    assert not refused(local, (inside, "department:SASSA"), scopes=["department:SASSA"])
    assert refused(local, (outside, "department:SASSA"), scopes=["department:SASSA"])
    # pii:read and the admin role: province-wide admins only.
    assert refused(local, (inside,), scopes=[PII_READ])
    assert refused(local, (inside,), roles=[Role.ADMIN])
    assert not refused(province, (outside,), scopes=[PII_READ])
    assert not refused(province, (outside,), roles=[Role.ADMIN])
    assert not refused(province, (outside, "department:SASSA"), scopes=["department:SASSA"])
    # The system (the CLI's bootstrap) is unrestricted.
    authorize_user_change(None, "user.create", "t", ["province:KZN"], roles=[Role.ADMIN])


# ---- notification subscribers: they hear of what a user with their scopes would list ------------

IN_WARD_DSD = Location.ward(WARD, "DSD")
IN_WARD_NO_DEPARTMENT = Location.ward(WARD)
ETH_DSD = Location.ward(ETH_WARD, "DSD")
MUNICIPAL_DSD = Location(department="DSD", municipality="KZN225", district="DC22")


@pytest.mark.parametrize(
    ("scopes", "heard"),
    [
        ((f"ward:{WARD}",), {"ward", "ward-no-dept"}),
        (("municipality:KZN225",), {"ward", "ward-no-dept", "municipal"}),
        (("district:DC22",), {"ward", "ward-no-dept", "municipal"}),
        (("province:KZN",), {"ward", "ward-no-dept", "municipal", "eth"}),
        (("department:DSD", "district:DC22"), {"ward", "municipal"}),
        (("department:DSD", "province:KZN"), {"ward", "municipal", "eth"}),
        (("department:SAPS", "province:KZN"), set()),
        (("department:DSD", f"ward:{WARD}"), {"ward"}),
        (("department:DSD",), set()),  # no area: a department is not one
        (("province:GP",), set()),  # not this province
    ],
)
def test_a_subscriber_hears_of_the_alerts_its_scopes_list(
    scopes: tuple[str, ...], heard: set[str]
) -> None:
    alerts = {
        "ward": IN_WARD_DSD,
        "ward-no-dept": IN_WARD_NO_DEPARTMENT,
        "municipal": MUNICIPAL_DSD,
        "eth": ETH_DSD,
    }
    assert {name for name, at in alerts.items() if subscriber_sees(scopes, "alert", at)} == heard


@given(
    st.lists(
        st.sampled_from(
            [
                f"ward:{WARD}",
                f"ward:{ETH_WARD}",
                "municipality:KZN225",
                "district:DC22",
                "district:ETH",
                "province:KZN",
                "department:DSD",
                "department:SAPS",
            ]
        ),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([IN_WARD_DSD, IN_WARD_NO_DEPARTMENT, ETH_DSD, MUNICIPAL_DSD, NOWHERE]),
)
def test_a_subscriber_hears_exactly_what_the_matching_user_may_read(
    scopes: list[str], location: Location
) -> None:
    user = subscriber_principal(scopes)
    departmental = any(s.startswith("department:") for s in scopes)
    assert user.roles == {Role.DEPARTMENT_OFFICER if departmental else Role.ANALYST}
    readable = decide(user, "alert.read", location) is not Decision.INVISIBLE
    assert (
        subscriber_sees(scopes, "alert", location)
        == readable
        == row_scope(user, "alert").sees(location)
    )


def test_an_alert_notice_is_placed_like_the_stored_alert() -> None:
    scope = {"ward_id": None, "municipality": "KZN225", "district": "DC22", "department": "DSD"}
    assert alert_location(scope) == MUNICIPAL_DSD
    assert alert_location({"ward_id": WARD, "department": None}) == IN_WARD_NO_DEPARTMENT


@pytest.mark.parametrize(
    ("scopes", "problem"),
    [
        (("district:DC99",), "unknown district 'DC99'"),
        (("province:GP",), "unknown province 'GP'"),
        (("ward:KZN225",), "unknown ward 'KZN225'"),
        (("department:NOPE", "province:KZN"), "unknown department 'NOPE'"),
        (("galaxy:KZN",), "level one of ward, municipality, district, province, department"),
        (("pii:read", "province:KZN"), "level one of"),
        (("district",), "expected <level>:<code>"),
        (("department:DSD",), "covers no area"),
        ((), "no scope"),
    ],
)
def test_a_subscriber_may_hold_only_known_scopes_and_an_area(
    scopes: tuple[str, ...], problem: str
) -> None:
    found = subscriber_scope_problem(scopes)
    assert found is not None and problem in found


def test_a_subscriber_with_an_area_and_known_codes_is_accepted() -> None:
    for scopes in (
        (f"ward:{WARD}",),
        ("municipality:KZN225",),
        ("district:ETH",),
        ("province:KZN",),
        ("department:NGO:CHILDLINE", "district:DC22"),
    ):
        assert subscriber_scope_problem(scopes) is None
