"""The service catalogue as configuration: its file, its aggregate's versions, and referrals
that keep the standard they were made under (in-memory persistence, no database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from domain.access.decision import Forbidden
from domain.access.principal import Principal, Role
from domain.context import CommandContext
from domain.errors import (
    AlreadyExists,
    InvalidCommand,
    NotFoundError,
    RuleViolation,
    VersionConflict,
)
from domain.reference.application import CATALOGUE_FILE_KEY
from domain.reference.catalogue import CATALOGUE_ID, ServiceCatalogue
from domain.reference.departments import (
    STANDARDS_VERSION,
    catalogue_data,
    catalogue_from_data,
    load_catalogue_file,
    shipped_catalogue,
)
from domain.referrals.model import Referral
from domain.sukuma import Sukuma
from domain.vocabulary import NeedCategory
from tests.unit.test_application import T0, profiled_hungry

ADMIN = Principal(user_id="u-admin", username="admin", roles=frozenset({Role.ADMIN}))


def ctx(days: int = 0, **kwargs: object) -> CommandContext:
    return CommandContext(actor="admin", occurred_at=T0 + timedelta(days=days), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sukuma]:
    for key in ("PERSISTENCE_MODULE", "SUKUMA_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    application = Sukuma()
    yield application
    application.close()


def refer_hungry(app: Sukuma, days: int) -> Referral:
    household_id, need_id = profiled_hungry(app)
    referral_id = uuid4()
    app.make_referral(
        referral_id=referral_id,
        household_id=household_id,
        need_id=need_id,
        department_code="DSD",
        personal_data_shared=False,
        note=None,
        ctx=ctx(days),
    )
    return app.get(Referral, referral_id)


# ---- the file ------------------------------------------------------------------------------------


def test_the_shipped_file_holds_the_departments_standards_and_routes() -> None:
    shipped = shipped_catalogue()
    assert shipped.version == STANDARDS_VERSION
    assert shipped.service_standard("DSD", "food_security").deliver_within_days == 7
    assert shipped.service_standard("DOH", "health_tb").ack_within_days == 7  # the default
    assert {shipped.default_department(c) for c in NeedCategory} <= {
        d.code for d in shipped.departments
    }
    assert catalogue_from_data(catalogue_data(shipped)) == shipped


def test_an_operators_file_is_labelled_by_its_contents(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "domain/reference/data/service_catalogue.toml").read_text()
    path = tmp_path / "mine.toml"
    path.write_text(text.replace("deliver_within_days = 30\n", "deliver_within_days = 21\n", 1))
    mine = load_catalogue_file(path)
    assert mine.default_deliver_within_days == 21
    assert mine.version.startswith("file-") and mine.version != STANDARDS_VERSION


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["departments"].append(dict(d["departments"][0])), "departments"),
        (lambda d: d["departments"][0].update(code="dsd"), "departments[0].code"),
        (lambda d: d["departments"][0].update(kind="church"), "departments[0].kind"),
        (lambda d: d["standards"][0].update(department="XYZ"), "standards[0].department"),
        (lambda d: d["standards"][0].update(category="weather"), "standards[0].category"),
        (lambda d: d["standards"][0].update(ack_within_days=30), "standards[0].ack_within_days"),
        (lambda d: d["default_standard"].update(deliver_within_days=0), "default_standard."),
        (lambda d: d["routes"].pop("water"), "routes.water"),
        (lambda d: d.pop("routes"), "catalogue"),
    ],
)
def test_a_bad_catalogue_says_what_is_wrong(change: object, field: str) -> None:
    data = catalogue_data(shipped_catalogue())
    change(data)  # type: ignore[operator]
    with pytest.raises(InvalidCommand) as refused:
        catalogue_from_data(data)
    assert refused.value.field.startswith(field)


def test_a_bad_operator_file_stops_the_application_at_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[default_standard]\nack_within_days = 7\n")
    with pytest.raises(InvalidCommand):
        Sukuma(env={CATALOGUE_FILE_KEY: str(path)})


# ---- the aggregate -------------------------------------------------------------------------------


AT: dict[str, Any] = {"occurred_at": T0, "actor": "admin"}


def standard(department: str, category: str, ack: int, deliver: int) -> dict[str, Any]:
    return {
        "department": department,
        "category": category,
        "ack_within_days": ack,
        "deliver_within_days": deliver,
        **AT,
    }


def seeded() -> ServiceCatalogue:
    return ServiceCatalogue.seed(shipped_catalogue(), "shipped defaults", T0, "admin")


def test_each_change_is_a_new_version_with_its_own_label() -> None:
    catalogue = seeded()
    catalogue.set_standard(**standard("DOH", "health_tb", 2, 10))
    catalogue.add_department(code="NGO:HOSPICE", name="Hospice KZN", kind="ngo", **AT)
    catalogue.rename_department(code="MUNI", name="Local municipality (services)", **AT)
    current = catalogue.catalogue()
    assert catalogue.version == 4 and current.version == "catalogue-v4"
    assert current.service_standard("DOH", "health_tb").deliver_within_days == 10
    assert current.department("NGO:HOSPICE").kind == "ngo"
    catalogue.remove_standard(department="DOH", category="health_tb", **AT)
    assert catalogue.catalogue().service_standard("DOH", "health_tb").deliver_within_days == 30
    catalogue.change_default_standard(ack_within_days=5, deliver_within_days=20, **AT)
    assert catalogue.catalogue().service_standard("DOH", "health_tb").deliver_within_days == 20


def test_the_aggregates_rules() -> None:
    catalogue = seeded()
    with pytest.raises(AlreadyExists):
        catalogue.add_department(code="DSD", name="Again", kind="government", **AT)
    with pytest.raises(InvalidCommand):
        catalogue.add_department(code="not a code", name="X", kind="ngo", **AT)
    with pytest.raises(NotFoundError):
        catalogue.set_standard(**standard("XYZ", "water", 1, 2))
    with pytest.raises(InvalidCommand):
        catalogue.set_standard(**standard("DSD", "water", 10, 2))
    with pytest.raises(InvalidCommand):
        catalogue.set_standard(**standard("DSD", "weather", 1, 2))
    with pytest.raises(RuleViolation):
        catalogue.set_standard(**standard("DSD", "food_security", 7, 7))  # already so
    with pytest.raises(NotFoundError):
        catalogue.remove_standard(
            department="DOH", category="health_tb", **AT
        )  # has none of its own
    assert catalogue.version == 1  # nothing refused was recorded


# ---- the application: versions, replicas, referrals --------------------------------------------


def test_until_first_changed_the_catalogue_is_the_files_and_nothing_is_stored(app: Sukuma) -> None:
    assert app.current_catalogue() == (0, shipped_catalogue())
    assert app.recorder.max_notification_id() in (None, 0)


def test_the_first_change_records_the_file_and_the_change_together(app: Sukuma) -> None:
    written = app.set_service_standard(
        department="DSD", category="food_security", ack_within_days=2, deliver_within_days=3,
        ctx=ctx(),
    )  # fmt: skip
    assert (written.id, written.version) == (CATALOGUE_ID, 2)
    events = list(app.repository.event_store.get(CATALOGUE_ID))
    assert [type(e).__name__ for e in events] == ["Seeded", "StandardSet"]
    assert events[0].source == "shipped defaults"  # type: ignore[attr-defined]
    assert app.catalogue(0) == shipped_catalogue()
    assert app.catalogue(1).service_standard("DSD", "food_security").deliver_within_days == 7
    assert app.catalogue(2).service_standard("DSD", "food_security").deliver_within_days == 3
    with pytest.raises(NotFoundError):
        app.catalogue(3)


def test_a_change_applies_to_referrals_made_after_it_and_earlier_ones_keep_theirs(
    app: Sukuma,
) -> None:
    before = refer_hungry(app, days=1)
    app.set_service_standard(
        department="DSD", category="food_security", ack_within_days=1, deliver_within_days=3,
        ctx=ctx(2),
    )  # fmt: skip
    after = refer_hungry(app, days=2)

    made_before = (T0 + timedelta(days=1)).date()
    assert (before.ack_by, before.deliver_by) == (
        made_before + timedelta(days=7),
        made_before + timedelta(days=7),
    )
    assert before.standard_version == STANDARDS_VERSION
    made_after = (T0 + timedelta(days=2)).date()
    assert (after.ack_by, after.deliver_by) == (
        made_after + timedelta(days=1),
        made_after + timedelta(days=3),
    )
    assert after.standard_version == "catalogue-v2"
    # The earlier referral, read again after the change, still has its own due dates.
    again = app.get(Referral, before.id)
    assert (again.deliver_by, again.standard_version) == (before.deliver_by, STANDARDS_VERSION)


def test_a_department_added_can_take_referrals_and_needs(app: Sukuma) -> None:
    household_id, need_id = profiled_hungry(app)
    with pytest.raises(InvalidCommand):
        app.make_referral(
            referral_id=uuid4(), household_id=household_id, need_id=need_id,
            department_code="NGO:FOODBANK", personal_data_shared=False, note=None, ctx=ctx(1),
        )  # fmt: skip
    app.add_department(code="NGO:FOODBANK", name="FoodBank KZN", kind="ngo", ctx=ctx())
    referral_id = uuid4()
    app.make_referral(
        referral_id=referral_id, household_id=household_id, need_id=need_id,
        department_code="NGO:FOODBANK", personal_data_shared=False, note=None, ctx=ctx(1),
    )  # fmt: skip
    assert app.get(Referral, referral_id).department == "NGO:FOODBANK"


def test_a_stale_if_match_is_refused_and_only_admins_change_it(app: Sukuma) -> None:
    app.rename_department(code="MUNI", name="Municipality", ctx=ctx(expected_version=0))
    with pytest.raises(VersionConflict):
        app.rename_department(code="DSD", name="Social Dev", ctx=ctx(expected_version=0))
    convener = Principal(
        user_id="u-c",
        username="c",
        roles=frozenset({Role.CONVENER}),
        scopes=frozenset({"province:KZN"}),
    )
    with pytest.raises(Forbidden):
        app.rename_department(code="DSD", name="Social Dev", ctx=ctx(principal=convener))
    app.rename_department(code="DSD", name="Social Dev", ctx=ctx(principal=ADMIN))
    assert app.current_catalogue()[1].department("DSD").name == "Social Dev"


def test_the_catalogue_change_timestamp_is_when_it_happened(app: Sukuma) -> None:
    app.change_default_standard(ack_within_days=5, deliver_within_days=25, ctx=ctx())
    [_, changed] = list(app.repository.event_store.get(CATALOGUE_ID))
    assert changed.occurred_at == T0 and changed.actor == "admin"  # type: ignore[attr-defined]


def test_a_held_catalogue_is_the_last_one_read_until_it_is_too_old(
    app: Sukuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a process that has not read the catalogue yet: nothing held
    now = [1000.0]
    monkeypatch.setattr("domain.reference.application.time.monotonic", lambda: now[0])
    assert app.held_catalogue(30) is None
    # When it reads it, then its own change: the change is held at once, with no query
    assert app.catalogue() == shipped_catalogue()
    now[0] += 20
    app.rename_department(code="MUNI", name="Municipality", ctx=ctx())
    now[0] += 25
    held = app.held_catalogue(30)
    assert held is not None and held.department("MUNI").name == "Municipality"
    # Then once it is as old as asked, the catalogue is to be read again
    now[0] += 5
    assert app.held_catalogue(30) is None
    assert app.held_catalogue(31) is held
