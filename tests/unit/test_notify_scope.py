"""Which subscribers hear of an alert, without a database: the access policy decides, so a
subscriber hears of exactly the alerts a user with its scopes could read (``GET /v1/alerts``)."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from domain.reference.geography import geography
from scheduler.notify import AlertNotice, in_scope
from scheduler.rules.config import RulesFile, Subscriber, load_rules_file

GEO = geography()
WARD, OTHER_WARD = (w.id for w in GEO.wards_in("municipality", "KZN225")[:2])
DC21_WARD = GEO.wards_in("municipality", "KZN212")[0].id
ETH_WARD = GEO.wards_in("municipality", "ETH")[0].id


def notice(
    ward_id: str | None,
    department: str | None = None,
    *,
    municipality: str | None = None,
    level: int = 1,
) -> AlertNotice:
    """An alert as the sweep builds it: the ward's municipality and district, as the rules
    select them (or only the municipality, for an alert about one)."""
    if ward_id is not None:
        ward = GEO.ward(ward_id)
        municipality, district = ward.municipality_code, ward.district_code
    else:
        assert municipality is not None
        district = GEO.municipality(municipality).district_code
    scope = {
        "ward_id": ward_id,
        "municipality": municipality,
        "district": district,
        "department": department,
    }
    return AlertNotice("raised", uuid4(), "EW-01", "s", level, scope, {})


ALERTS = {
    "ward DSD": notice(WARD, "DSD"),
    "ward, no department": notice(WARD),
    "next ward DOH": notice(OTHER_WARD, "DOH"),
    "KZN225 DSD": notice(None, "DSD", municipality="KZN225"),
    "DC21 DSD": notice(DC21_WARD, "DSD"),
    "eThekwini DSD": notice(ETH_WARD, "DSD"),
}


def heard(scope: str | list[str]) -> set[str]:
    subscriber = Subscriber(name="s", scope=scope)
    return {name for name, alert in ALERTS.items() if in_scope(subscriber, alert)}


def test_a_ward_subscriber_hears_its_ward_only() -> None:
    assert heard(f"ward:{WARD}") == {"ward DSD", "ward, no department"}


def test_a_municipality_subscriber_hears_its_wards_and_alerts_about_it() -> None:
    assert heard("municipality:KZN225") == {
        "ward DSD",
        "ward, no department",
        "next ward DOH",
        "KZN225 DSD",
    }


def test_a_district_subscriber_hears_its_municipalities() -> None:
    assert heard("district:DC22") == heard("municipality:KZN225")
    assert heard("district:DC21") == {"DC21 DSD"}


def test_a_province_subscriber_hears_everything() -> None:
    assert heard("province:KZN") == set(ALERTS)


def test_a_department_subscriber_hears_its_departments_alerts_in_its_area_only() -> None:
    # Before, "department:DSD" heard every DSD alert in the province (DC21's, eThekwini's):
    # the policy lets a department officer see its departments' alerts in its area only,
    # and never an alert addressed to no department.
    assert heard(["department:DSD", "district:DC22"]) == {"ward DSD", "KZN225 DSD"}
    assert heard(["department:DSD", f"ward:{WARD}"]) == {"ward DSD"}
    assert heard(["department:DSD", "province:KZN"]) == {
        "ward DSD",
        "KZN225 DSD",
        "DC21 DSD",
        "eThekwini DSD",
    }
    assert heard(["department:DSD", "department:DOH", "municipality:KZN225"]) == {
        "ward DSD",
        "next ward DOH",
        "KZN225 DSD",
    }


def test_below_the_minimum_level_nobody_hears() -> None:
    subscriber = Subscriber(name="DTT", scope="district:DC22", min_level=3)
    assert not in_scope(subscriber, notice(WARD, level=2))
    assert in_scope(subscriber, notice(WARD, level=3))


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("department:DSD", "a department scope covers no area"),
        ("province:GP", "unknown province 'GP'"),
        ("district:DC99", "unknown district 'DC99'"),
        (["department:NOPE", "district:DC22"], "unknown department 'NOPE'"),
        ("region:north", "expected <level>:<code>"),
    ],
)
def test_a_subscriber_scope_that_names_nothing_is_refused_with_its_name(
    scope: str | list[str], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Subscriber(name="Msunduzi desk", scope=scope)
    assert "subscriber 'Msunduzi desk', scope:" in str(raised.value)
    assert message in str(raised.value)


def test_a_rules_file_with_a_bad_subscriber_fails_to_load(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    base = (Path(__file__).parents[2] / "scheduler/rules/rules.toml").read_text()
    path.write_text(base + '\n[[subscribers]]\nname = "DOH desk"\nscope = "department:DOH"\n')
    with pytest.raises(ValidationError, match="subscriber 'DOH desk', scope: a department"):
        load_rules_file(path)
    path.write_text(
        base + '\n[[subscribers]]\nname = "DOH desk"\nscope = ["department:DOH", "district:DC22"]\n'
    )
    [desk] = load_rules_file(path).subscribers
    assert desk.scopes == ("department:DOH", "district:DC22")


def test_subscriber_names_are_unique() -> None:
    base = load_rules_file()
    twice = [Subscriber(name="desk", scope="province:KZN")] * 2
    with pytest.raises(ValidationError, match="subscriber names must be unique: desk"):
        RulesFile.model_validate({**base.model_dump(), "subscribers": twice})


def test_an_alert_about_the_whole_province_reaches_its_subscribers_only() -> None:
    # A PTT's EW-14: its stocktake's rows name no ward, municipality or district
    scope: dict[str, str | None] = dict.fromkeys(
        ("ward_id", "municipality", "district", "department")
    )
    ptt = AlertNotice("raised", uuid4(), "EW-14", "action", 4, scope, {})

    assert in_scope(Subscriber(name="PTT", scope="province:KZN"), ptt)
    assert not in_scope(Subscriber(name="DTT", scope="district:DC22"), ptt)
    assert not in_scope(Subscriber(name="LTT", scope="municipality:KZN225"), ptt)
