"""Offline sync's changes feed when what a phone sees changes without the household moving:
the user loses a ward or a role (its phone drops what it saw by it), or a household's
caseload is handed to another field worker of the same ward (no removal: field workers see
households by ward, so the household's entry comes with its new field worker)."""

from __future__ import annotations

import httpx
import pytest

from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from tests.integration.conftest import ClientAs
from tests.integration.helpers import household, need, post_ok, referral
from tests.integration.test_caseloads_api import field_worker
from tests.integration.test_field_capture import all_since, removed
from tests.integration.test_sync_api import changes
from tests.integration.test_views_api import project

pytestmark = pytest.mark.integration


async def test_a_ward_taken_from_a_user_is_removed_from_its_phone(
    client: httpx.AsyncClient,
    client_as: ClientAs,
    application: Sukuma,
    ward_id: str,
    other_ward_id: str,
) -> None:
    # Given Sipho, a field worker of wards A and B, whose phone holds both wards' households
    third_ward = geography().wards_in("municipality", "KZN225")[2].id
    kept, lost, leaving = [
        await household(client, w) for w in (ward_id, other_ward_id, other_ward_id)
    ]
    sipho = await client_as(
        Role.FIELD_WORKER, f"ward:{ward_id}", f"ward:{other_ward_id}", username="sipho"
    )
    project(application)
    held, since = await all_since(sipho, 0)
    assert {c["id"] for c in held if c["kind"] == "household"} >= {kept, lost, leaving}

    # When ward B is taken from him, and then one of B's households moves to a third ward
    await post_ok(client, "/v1/users/sipho/scopes/remove", {"scope": f"ward:{other_ward_id}"})
    await post_ok(client, f"/v1/households/{leaving}/move", {"to_ward_id": third_ward})
    project(application)
    seen, last = await all_since(sipho, since)

    # Then his phone drops B's households (the one that left B since, too), keeps A's, and
    # is told so once
    assert removed(seen) == {(lost, "household", "access"), (leaving, "household", "access")}
    assert (await changes(sipho, since=last))["changes"] == []


async def test_a_role_taken_from_a_user_removes_what_only_that_role_saw(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # Given Ayanda, a DSD officer who is also a field worker of ward A, holding a household
    # and its DSD referral
    home = await household(client, ward_id)
    referred = await referral(client, home, await need(client, home), "DSD")
    ayanda = await client_as(
        (Role.FIELD_WORKER, Role.DEPARTMENT_OFFICER),
        f"ward:{ward_id}",
        "department:DSD",
        username="ayanda",
    )
    project(application)
    held, since = await all_since(ayanda, 0)
    assert {c["id"] for c in held} >= {home, referred}

    # When the field worker's role is taken from her
    await post_ok(client, "/v1/users/ayanda/roles/field_worker/revoke", {})
    project(application)
    seen, _ = await all_since(ayanda, since)

    # Then the household goes from her phone; the referral, which she sees as DSD's
    # officer, stays
    assert removed(seen) == {(home, "household", "access")}


async def test_a_caseload_handed_over_within_the_ward_is_no_removal(
    client: httpx.AsyncClient, client_as: ClientAs, application: Sukuma, ward_id: str
) -> None:
    # Given a household of ward A in one field worker's caseload, held on a ward A phone
    first, second = [await field_worker(client, ward_id) for _ in range(2)]
    home = await household(client, ward_id)
    await post_ok(client, f"/v1/households/{home}/assign", {"field_worker_id": first})
    phone = await client_as(Role.FIELD_WORKER, f"ward:{ward_id}")
    project(application)
    _, since = await all_since(phone, 0)

    # When the caseload is handed to another field worker of the ward
    await post_ok(client, f"/v1/households/{home}/assign", {"field_worker_id": second})
    project(application)
    seen, _ = await all_since(phone, since)

    # Then the phone, which sees the ward's households, gets the household with its new
    # field worker, and nothing to drop
    assert removed(seen) == set()
    assert [c["household"]["field_worker_id"] for c in seen if c["id"] == home] == [second]
