"""Special personal information (POPIA s26) is read like names: only with ``pii:read``, and
every read of it is recorded; what statistics need of it is shown to every reader."""

from __future__ import annotations

import httpx
import pytest

from domain.access.principal import PII_READ, Role
from domain.personal_data import WITHHELD
from tests.factories import make_child, make_member, make_profile
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, post_ok


async def sick_household(client: httpx.AsyncClient, ward_id: str) -> str:
    """A household whose head screened positive for TB, with a disabled child and GBV."""
    head = make_member(health={"tb_symptom_screen_positive": True})
    child = make_child(disability={"type": "hearing", "assistive_device_needed": True})
    profile = make_profile(members=[head, child], social_ills={"gbv_disclosed_or_suspected": True})
    household_id = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{household_id}/profile", {"profile": profile})
    return household_id


@pytest.mark.integration
async def test_an_analyst_sees_special_categories_only_with_pii_read_and_the_read_is_logged(
    client: httpx.AsyncClient, client_as: ClientAs, ward_id: str
) -> None:
    # Given a household with health, disability and social-ill answers, and two analysts
    household_id = await sick_household(client, ward_id)
    plain = await client_as(Role.ANALYST, f"ward:{ward_id}", username="analyst")
    trusted = await client_as(Role.ANALYST, f"ward:{ward_id}", PII_READ, username="trusted")
    url = f"/v1/households/{household_id}"

    # When each reads the household and its history
    hidden = (await plain.get(url)).json()
    hidden_history = (await plain.get(f"{url}/history")).json()
    shown = (await trusted.get(url)).json()

    # Then the analyst without pii:read sees no answer, no need's source and no special wording
    head, child = hidden["profile"]["members"]
    assert (head["health"], child["disability"]) == (WITHHELD, WITHHELD)
    assert hidden["profile"]["social_ills"] == WITHHELD
    for text in ("tb_symptom", "gbv", "TB", "gender-based", "hearing", "assistive"):
        assert text not in str(hidden["profile"]) + str(hidden["risk"])
    # (needs keep their categories, e.g. gbv: what a need is routes it to a department)
    for text in ("tb_symptom", "gbv_", "TB", "gender-based", "hearing"):
        assert text not in str([e["payload"] for e in hidden_history["events"]])
    # but the counts and the broadly worded risk, as the trusted analyst does
    facts = {
        "members": 2,
        "members_with_health_need": 1,
        "members_with_disability": 1,
        "social_concerns": 1,
    }
    assert hidden["profile_facts"] == shown["profile_facts"] == facts
    assert hidden["risk"] == shown["risk"]
    assert "a member has a health need (+15)" in hidden["risk"]["reasons"]
    # And the analyst with pii:read sees the answers, and that read is on the access log
    assert shown["profile"]["members"][0]["health"]["tb_symptom_screen_positive"] is True
    assert shown["profile"]["members"][1]["disability"]["type"] == "hearing"
    assert shown["profile"]["social_ills"]["gbv_disclosed_or_suspected"] is True
    reads = (await client.get("/v1/audit/pii-reads", params={"limit": 50})).json()["data"]
    by_user = {r["username"]: r["fields"] for r in reads if r["household_id"] == household_id}
    assert "analyst" not in by_user
    assert {
        "profile.members[].health",
        "profile.members[].disability",
        "profile.social_ills",
    } <= set(by_user["trusted"])
