"""The register form holds the whole ``oss-profile-1`` instrument the API accepts (issue 16):
the home's GPS, each member's citizenship, parents, grants with their status and schooling,
and more members without losing what was typed; refused answers named per field exactly where
the API names them. Over HTTP through the ASGI app against a real PostgreSQL."""

from __future__ import annotations

import copy
import re
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from domain.access.principal import Role
from domain.households.model import Household
from domain.sukuma import Sukuma
from tests.factories import make_profile
from tests.integration.helpers import household
from tests.integration.test_web_field import answers, opened, register
from tests.integration.test_web_pages import browser, sign_in, user
from tests.integration.test_web_pages import web as web

#: What the form adds to the two members ``answers`` fills in.
MORE = {
    "dwelling.gps.lat": "-29.601234",
    "dwelling.gps.lon": "30.371234",
    "members.0.citizenship": "permanent_resident",
    "members.0.grants.srd": "receiving",
    "members.0.grants.older_persons": "not_eligible",
    "members.1.orphan_status": "paternal",
    "members.1.grants.child_support": "applied",
    "members.1.grants.foster_child": "eligible_not_receiving",
    "members.1.schooling.grade": "Grade 7",
    "members.1.schooling.school_name": "Mpophomeni Primary",
    "members.1.schooling.ecd_attendance": "yes",
}


async def test_the_form_records_gps_citizenship_parents_grants_and_schooling(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "lindiwe", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "lindiwe")
        form = (await http.get("/new-household?members=2")).text
        for name in MORE:
            assert f'name="{name}"' in form, name
        assert 'src="/assets/locate.js"' in form and 'id="gps-locate"' in form
        made = await register(http, {**answers(ward_id), **MORE})
        assert made.status_code == 303, made.text[:500]
    household_id = UUID(made.headers["location"].removeprefix("/households/"))
    registered = application.get(Household, household_id)
    assert registered.gps == {"lat": -29.601234, "lon": 30.371234}
    assert registered.profile is not None
    head, child = registered.profile["members"]
    assert registered.profile["dwelling"]["gps"] == registered.gps
    assert head["citizenship"] == "permanent_resident" and child["citizenship"] == "citizen"
    assert (head["orphan_status"], child["orphan_status"]) == ("none", "paternal")
    assert head["grants"] == [
        {"grant_type": "older_persons", "status": "not_eligible"},
        {"grant_type": "srd", "status": "receiving"},
    ]
    assert child["grants"] == [
        {"grant_type": "child_support", "status": "applied"},
        {"grant_type": "foster_child", "status": "eligible_not_receiving"},
    ]
    assert child["schooling"] == {
        "attending": True,
        "grade": "Grade 7",
        "school_name": "Mpophomeni Primary",
        "reason_not_attending": None,
        "ecd_attendance": True,
    }


async def test_adding_a_member_keeps_what_was_typed_and_registers_nothing(
    web: FastAPI, application: Sukuma, ward_id: str
) -> None:
    user(application, "ayanda", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "ayanda")
        data = {**await opened(http, 2), **answers(ward_id), **MORE, "more": "1"}
        more = await http.post("/new-household?members=2", data=data)
    assert more.status_code == 200
    assert 'name="members.2.first_name"' in more.text
    assert 'action="/new-household?members=3"' in more.text
    assert 'value="Zodwa"' in more.text and 'value="Mpophomeni Primary"' in more.text
    assert re.search(r'<option value="applied" selected>', more.text)
    assert f'value="{data["household_id"]}"' in more.text  # the same form: one household
    assert not [n for n in application.recorder.select_notifications(1, 10_000)
                if n.topic.endswith("Household.Registered")]  # fmt: skip


async def api_refusal(client: httpx.AsyncClient, ward_id: str, profile: dict[str, Any]) -> str:
    """Where the API's 422 says a profile is wrong (its loc after body.profile)."""
    household_id = await household(client, ward_id)
    answer = await client.post(f"/v1/households/{household_id}/profile", json={"profile": profile})
    assert answer.status_code == 422, answer.text
    return ".".join(str(p) for p in answer.json()["detail"][0]["loc"][2:])


async def test_refused_new_answers_are_named_where_the_api_names_them(
    web: FastAPI, application: Sukuma, client: httpx.AsyncClient, ward_id: str
) -> None:
    # The API refuses a latitude outside the country, a grant status it does not know, a
    # citizenship it does not know, and a latitude without its longitude
    base = dict(make_profile())
    cases: dict[str, tuple[dict[str, str], dict[str, Any]]] = {}
    far = copy.deepcopy(base)
    far["dwelling"]["gps"] = {"lat": 10.0, "lon": 30.3}
    cases["far"] = ({"dwelling.gps.lat": "10", "dwelling.gps.lon": "30.3"}, far)
    half = copy.deepcopy(base)
    half["dwelling"]["gps"] = {"lat": -29.6}
    cases["half"] = ({"dwelling.gps.lat": "-29.6"}, half)
    grant = copy.deepcopy(base)
    grant["members"][1]["grants"] = [{"grant_type": "srd", "status": "maybe"}]
    cases["grant"] = ({"members.1.grants.srd": "maybe"}, grant)
    citizen = copy.deepcopy(base)
    citizen["members"][0]["citizenship"] = "martian"
    cases["citizen"] = ({"members.0.citizenship": "martian"}, citizen)
    expected = {
        "far": ("dwelling.gps.lat", "This answer is not valid."),
        "half": ("dwelling.gps.lon", "This question needs an answer."),
        "grant": ("members.1.grants", "This answer is not valid."),
        "citizen": ("members.0.citizenship", "This answer is not valid."),
    }
    user(application, "zanele", Role.FIELD_WORKER, f"ward:{ward_id}")
    async with browser(web) as http:
        await sign_in(http, "zanele")
        for case, (typed, profile) in cases.items():
            where = await api_refusal(client, ward_id, profile)
            refused = await register(http, {**answers(ward_id), **typed})
            field, message = expected[case]
            # Then the form names the field the API names, on the field itself
            assert where.startswith(field), (case, where)
            assert refused.status_code == 422, case
            fid = "f-" + field.replace(".", "-")
            assert f'href="#{fid}"' in refused.text, (case, refused.text[:2000])
            assert f'<p class="field-error" id="{fid}-error">{message}</p>' in refused.text
