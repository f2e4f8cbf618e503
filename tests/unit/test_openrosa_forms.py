"""The served forms: pyxform makes them from the XLSForms and ODK Validate accepts them; the
mapper reads every answer of a complete instance back into the command the JSON API takes."""

from __future__ import annotations

import shutil
from typing import Any
from uuid import uuid4
from xml.etree.ElementTree import Element

import pytest

from api.openrosa import mapper
from api.openrosa.apply import repeats_of
from api.openrosa.catalog import XFORMS_NS, forms, xform_of
from api.openrosa.xml import local, parse
from bench._collect import answers, instance_xml
from domain.reference.geography import geography
from tests.factories import make_child, make_member, make_profile


@pytest.fixture
def ward_id() -> str:
    return geography().wards_in("municipality", "KZN225")[0].id


@pytest.mark.slow
@pytest.mark.parametrize("form_id", sorted(forms()))
def test_each_served_xform_passes_odk_validate(form_id: str) -> None:
    assert shutil.which("java"), "ODK Validate (shipped with pyxform) runs on Java"
    validated = xform_of(form_id, validate=True)  # raises on an ODK Validate error
    assert validated.encode() == forms()[form_id].xml


def _leaves(node: Element, path: str = "") -> set[str]:
    out: set[str] = set()
    for child in node:
        child_path = f"{path}/{local(child.tag)}" if path else local(child.tag)
        out |= _leaves(child, child_path) if len(child) else {child_path}
    return out


def form_leaves(form_id: str) -> set[str]:
    root = parse(forms()[form_id].xml)
    data = root.find(f".//{{{XFORMS_NS}}}instance/*")
    assert data is not None
    return _leaves(data) - {"start", "end", "meta/instanceID"}


def _paths(value: Any, path: str = "") -> set[str]:
    if isinstance(value, dict) and set(value) != {"lat", "lon"}:
        return set().union(*(_paths(v, f"{path}/{k}" if path else k) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(set(), *(_paths(v, path) for v in value))
    return {path}


def complete_profile() -> dict[str, Any]:
    """A profile answering every question of the registration form (none left empty)."""
    head = make_member(grants=[{"grant_type": "srd", "status": "receiving"}])
    child = make_child(
        schooling={
            "attending": True,
            "grade": "4",
            "school_name": "Mpophomeni Primary",
            "reason_not_attending": "was ill in term 1",
            "ecd_attendance": False,
        }
    )
    profile: dict[str, Any] = dict(make_profile(members=[head, child]))
    profile["dwelling"] = {
        **profile["dwelling"],
        "village": "Mpophomeni",
        "gps": {"lat": -29.57, "lon": 30.19},
    }
    return profile


def test_the_mapper_reads_every_answer_of_the_registration_form(ward_id: str) -> None:
    profile = complete_profile()
    household_id = str(uuid4())
    values = {"household_id": household_id, "ward_id": ward_id, **answers(profile)}
    values.pop("instrument_version")
    values["consent"]["signature"] = "signature-1.png"
    xml, _ = instance_xml(
        "household_registration", forms()["household_registration"].version, values
    )

    read = mapper.commands_of(mapper.read_instance(xml, repeats_of))

    assert isinstance(read, mapper.Registration)
    assert read.profile == profile  # every answer, back as the JSON API takes it
    assert str(read.household.id) == household_id
    assert read.household.ward_id == ward_id
    assert read.signature == "signature-1.png"
    read_paths = _paths(read.profile) - {"instrument_version"}
    read_paths |= {"household_id", "ward_id", "consent/signature"}
    assert read_paths == form_leaves("household_registration")


@pytest.mark.parametrize(
    ("form_id", "values"),
    [
        (
            "followup_visit",
            {"outcome": "met_household", "days_skipped_meal_last_7": "2", "note": "ok"},
        ),
        (
            "need_identification",
            {"category": "documents", "severity": "high", "note": "no ID"},
        ),
    ],
)
def test_the_mapper_reads_every_answer_of_the_visit_forms(
    form_id: str, values: dict[str, str]
) -> None:
    household_id = uuid4()
    xml, instance_id = instance_xml(form_id, "1", {"household_id": str(household_id), **values})

    read = mapper.commands_of(mapper.read_instance(xml, repeats_of))

    body = read.visit if isinstance(read, mapper.Visit) else read.need  # type: ignore[union-attr]
    assert read.household_id == household_id  # type: ignore[union-attr]
    dumped = body.model_dump(mode="json", exclude_none=True)
    assert {k: str(dumped[k]) for k in values} == values
    assert set(values) | {"household_id"} == form_leaves(form_id)
    id_key = "visit_id" if form_id == "followup_visit" else "need_id"
    # The same id on every resubmission of the instance.
    assert dumped[id_key] == str(mapper.derived_id(instance_id, id_key.removesuffix("_id")))


def test_a_refused_answer_is_named_by_its_path_in_the_form(ward_id: str) -> None:
    profile = answers(complete_profile())
    profile.pop("instrument_version")
    profile["members"][1]["date_of_birth"] = "20-08-2014"
    xml, _ = instance_xml(
        "household_registration", "1", {"household_id": str(uuid4()), "ward_id": ward_id, **profile}
    )

    with pytest.raises(mapper.Unreadable) as refused:
        mapper.commands_of(mapper.read_instance(xml, repeats_of))

    assert refused.value.field == "members[2]/date_of_birth"


def test_xml_with_an_entity_is_refused_unread() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]>'
        b'<data id="followup_visit"><note>&x;</note></data>'
    )
    with pytest.raises(mapper.Unreadable) as refused:
        mapper.read_instance(bomb, repeats_of)
    assert refused.value.field == "xml_submission_file"
