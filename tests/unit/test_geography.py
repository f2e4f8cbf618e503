"""KZN reference geography with synthetic wards."""

from __future__ import annotations

import pytest

from domain.errors import InvalidCommand, NotFoundError
from domain.reference.geography import geography, ward_count


def test_province_is_kwazulu_natal() -> None:
    province = geography().province
    assert (province.code, province.name) == ("KZN", "KwaZulu-Natal")


def test_ten_districts_plus_the_ethekwini_metro() -> None:
    districts = geography().districts
    assert len(districts) == 11
    assert [d.code for d in districts if d.is_metro] == ["ETH"]
    assert geography().district("DC22").name == "uMgungundlovu"


def test_44_municipalities_loaded_from_the_packaged_csv() -> None:
    assert len(geography().municipalities) == 44
    msunduzi = geography().municipality("KZN225")
    assert (msunduzi.name, msunduzi.seat, msunduzi.district_code) == (
        "Msunduzi",
        "Pietermaritzburg",
        "DC22",
    )


def test_ward_counts_are_fixed_for_the_largest_and_bounded_for_the_rest() -> None:
    assert len(geography().wards_in("municipality", "ETH")) == 110
    assert len(geography().wards_in("municipality", "KZN225")) == 39
    counts = [ward_count(m.code) for m in geography().municipalities]
    assert all(8 <= c <= 40 for c in counts if c not in (110, 39))
    assert ward_count("KZN212") == ward_count("KZN212")


def test_ward_ids_are_synthetic_and_name_their_municipality() -> None:
    ward = geography().ward("KZN225-W007")
    assert (ward.number, ward.municipality_code, ward.district_code, ward.synthetic) == (
        7,
        "KZN225",
        "DC22",
        True,
    )
    assert geography().ward("ETH-W042").district_code == "ETH"


def test_unknown_ward_municipality_and_district_raise_not_found() -> None:
    with pytest.raises(NotFoundError):
        geography().ward("KZN225-W999")
    with pytest.raises(NotFoundError):
        geography().municipality("KZN999")
    with pytest.raises(NotFoundError):
        geography().district("DC99")


def test_wards_in_each_level_nest() -> None:
    g = geography()
    in_district = g.wards_in("district", "DC22")
    in_muni = g.wards_in("municipality", "KZN225")
    assert set(in_muni) < set(in_district) < set(g.wards_in("province", "KZN"))
    assert len(g.wards_in("province", "KZN")) == len(g.wards)
    assert g.wards_in("ward", "ETH-W001") == [g.ward("ETH-W001")]


def test_wards_in_rejects_unknown_level_and_code() -> None:
    with pytest.raises(InvalidCommand):
        geography().wards_in("country", "ZA")
    with pytest.raises(NotFoundError):
        geography().wards_in("province", "GP")


def test_ancestors_of_a_ward() -> None:
    assert geography().ancestors("KZN225-W001") == ("KZN225", "DC22", "KZN")


def test_is_valid_scope() -> None:
    g = geography()
    assert g.is_valid_scope("ward", "KZN225-W001")
    assert g.is_valid_scope("municipality", "KZN225")
    assert g.is_valid_scope("district", "ETH")
    assert g.is_valid_scope("province", "KZN")
    assert not g.is_valid_scope("province", "GP")
    assert not g.is_valid_scope("ward", "KZN225")
    assert not g.is_valid_scope("galaxy", "KZN")


def test_geography_is_a_singleton() -> None:
    assert geography() is geography()
