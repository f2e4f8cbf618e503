"""What a command route answers, request by request: the contract clients rely on (status,
the refused field, the headers read), served by FastAPI's own handler."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from tests.integration.helpers import household

#: (path, headers, body, status): ``{h}`` is a household of the caller's ward, ``{unknown}``
#: none. The refusals' ``loc`` is checked apart below.
CASES: list[tuple[str, dict[str, str], bytes, int]] = [
    ("/v1/households/{h}/visits", {}, b'{"outcome": "met_household"}', 201),
    ("/v1/households/{h}/visits", {}, b'{"outcome": "sang"}', 422),
    ("/v1/households/{h}/visits", {}, b'{"outcome": ', 422),
    ("/v1/households/{h}/visits", {}, b"", 422),
    ("/v1/households/{h}/visits", {}, b"[1, 2]", 422),
    ("/v1/households/{h}/visits", {}, b'{"outcome": "met_household", "note": 7}', 422),
    ("/v1/households/not-a-uuid/visits", {}, b'{"outcome": "met_household"}', 422),
    ("/v1/households/{unknown}/visits", {}, b'{"outcome": "met_household"}', 404),
    ("/v1/households/{h}/visits", {"content-type": "text/plain"}, b'{"outcome": "x"}', 422),
    (
        "/v1/households/{h}/visits",
        {"content-type": "application/vnd.sukuma+json"},
        b'{"outcome": "met_household"}',
        201,
    ),
    ("/v1/households/{h}/visits", {"if-match": '"1"'}, b'{"outcome": "met_household"}', 201),
    ("/v1/households/{h}/visits", {"if-match": '"7"'}, b'{"outcome": "met_household"}', 412),
    ("/v1/households/{h}/visits", {"if-match": "soon"}, b'{"outcome": "met_household"}', 422),
    ("/v1/households/{h}/visits", {"idempotency-key": ""}, b'{"outcome": "met_household"}', 422),
    ("/v1/households/{h}/graduate", {}, b'{"policy_version": 1}', 422),
    ("/v1/households/{h}/graduate", {}, b"{}", 409),
    ("/v1/referrals/{unknown}/acknowledge", {}, b"{}", 404),
    ("/v1/households/{h}/needs", {}, b'{"category": "food", "severity": "urgent-ish"}', 422),
]


@pytest.mark.parametrize(("path", "headers", "body", "status"), CASES)
async def test_a_command_answers_as_its_contract_says(
    client: httpx.AsyncClient,
    ward_id: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    household_id = await household(client, ward_id)
    target = path.format(h=household_id, unknown=uuid4())
    sent = {"content-type": "application/json", **headers}

    response = await client.post(target, content=body, headers=sent)

    assert response.status_code == status, response.text
    if status == 201:
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'


@pytest.mark.parametrize(
    ("header", "value"),
    [("If-Match", "soon"), ("Idempotency-Key", ""), ("Idempotency-Key", "k" * 256)],
)
async def test_a_bad_command_header_is_refused_by_name(
    client: httpx.AsyncClient, ward_id: str, header: str, value: str
) -> None:
    household_id = await household(client, ward_id)

    refused = await client.post(
        f"/v1/households/{household_id}/visits",
        json={"outcome": "met_household"},
        headers={header: value},
    )

    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["header", header]]


async def test_a_stale_if_match_answers_412_with_the_current_version(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)

    stale = await client.post(
        f"/v1/households/{household_id}/visits",
        json={"outcome": "met_household"},
        headers={"If-Match": '"5"'},
    )

    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert stale.headers["ETag"] == '"1"'


async def test_the_caller_is_checked_before_the_body(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(f"/v1/households/{uuid4()}/visits", content=b"{")

    assert response.status_code == 401


async def test_the_caller_is_checked_before_the_headers(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(
        f"/v1/households/{uuid4()}/visits",
        json={"outcome": "met_household"},
        headers={"If-Match": "soon", "Idempotency-Key": ""},
    )

    assert response.status_code == 401
