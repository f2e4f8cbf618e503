"""Property-based fuzzing of every served operation (schemathesis over the app's own OpenAPI).

Bad input must get a clear 4xx, never a 5xx, and every answer must be one the schema
documents, in the documented shape. Requests are generated from ``/openapi.json`` with a
fixed budget per operation (derandomized, so CI sees the same requests every run); part of
the time the path's ids are swapped for objects seeded first, so routes are exercised on real
households, needs, referrals and war rooms, not only on 404s.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.access.principal import Role
from domain.reference.geography import geography
from domain.sukuma import Sukuma
from scheduler.rules.config import load_rules_file
from scheduler.sweeper import Sweeper
from sukuma.projector import ProjectorThread
from sukuma.wiring import build_projector
from tests.factories import make_member, make_profile
from tests.integration.conftest import (
    BASE_URL,
    Clock,
    SignedIn,
    add_user,
    bearer,
)
from tests.integration.helpers import (
    RawRequest,
    each_on_one_connection,
    household,
    need,
    post_ok,
    referral,
    served,
)
from tests.integration.routes import PUBLIC

pytestmark = pytest.mark.slow

#: Generated requests per operation and generation mode (the whole file stays well under 2 min):
#: the broad user's, and each narrow user's.
EXAMPLES = 8
SCOPED_EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
Send = Callable[[Case], httpx.Response]


@dataclass
class Known:
    """Ids of seeded objects, by path-parameter name."""

    ids: dict[str, str] = field(default_factory=dict)
    #: Values for the path and the query only (a body's ``code`` or ``level`` is another thing).
    places: dict[str, str] = field(default_factory=dict)

    def substitute(self, case: Case) -> None:
        """Known values for the path's, the query's and the body's fields of those names."""
        for values, known in (
            (case.path_parameters, self.ids | self.places),
            (case.query, self.ids | self.places),
            (case.body, self.ids),
        ):
            if isinstance(values, dict):
                for name in values.keys() & known.keys():
                    values[name] = known[name]


async def seed(client: httpx.AsyncClient, application: Sukuma, ward_id: str, clock: Clock) -> Known:
    """One of each object the paths name, so generated requests reach real aggregates."""
    household_id = await household(client, ward_id)
    need_id = await need(client, household_id)
    referral_id = await referral(client, household_id, need_id)
    alert_id = await overdue_alert(client, application, clock)
    room_id = str(
        (await post_ok(client, "/v1/war-rooms", {"ward_id": ward_id, "name": "Fuzz room"}))["id"]
    )
    member = await post_ok(
        client, f"/v1/war-rooms/{room_id}/members", {"name": "N. Dlamini", "seat": "convener"}
    )
    item = await post_ok(
        client,
        f"/v1/war-rooms/{room_id}/action-items",
        {"text": "Visit the household", "owner_member_id": member["member_id"]},
    )
    worker = await post_ok(client, "/v1/field-workers", {"name": "T. Mkhize", "cadre": "ccg"})
    ward = geography().ward(ward_id)
    # Not the fuzzing user: a generated deactivation must not sign the fuzzer out.
    add_user(application, "fuzz-target", (Role.FIELD_WORKER,), (f"ward:{ward_id}",))
    return Known(
        {
            "household_id": household_id,
            "need_id": need_id,
            "referral_id": referral_id,
            "room_id": room_id,
            "owner_member_id": str(member["member_id"]),
            "worker_id": str(worker["id"]),
            "username": "fuzz-target",
            "ward_id": ward_id,
            "ward": ward_id,
            "to_ward_id": geography().wards_in("municipality", ward.municipality_code)[1].id,
            "alert_id": alert_id,
            "department": "SASSA",
            "to_department": "DSD",
        },
        # In a body, item_id names a new item: the seeded one there would be a duplicate.
        places={
            "level": "ward",
            "code": ward_id,
            "municipality": ward.municipality_code,
            "item_id": str(item["item_id"]),
        },
    )


async def overdue_alert(client: httpx.AsyncClient, application: Sukuma, clock: Clock) -> str:
    """A week and a day on, the seeded referral is overdue: a sweep raises an alert for it."""
    clock.advance(days=8)
    sweeper = Sweeper(application, load_rules_file(), clock)
    # The sweep reads the views the projector thread writes, and the list is one of them:
    # sweep again until both have caught up (a busy machine's projector may lag seconds).
    for _ in range(40):
        await asyncio.to_thread(sweeper.run)
        alerts = (await client.get("/v1/alerts")).json()["data"]
        if alerts:
            return str(alerts[0]["alert_id"])
        await asyncio.sleep(0.5)
    raise AssertionError("no alert raised for the overdue referral")


def httpx_kwargs(case: Case) -> dict[str, Any]:
    """The request schemathesis would send, as arguments of ``httpx.AsyncClient.request``."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    kwargs.pop("cookies", None)
    kwargs.pop("auth", None)
    if kwargs.get("files"):  # multipart: every part is text or bytes on the wire
        kwargs["files"] = [(name, wire_part(part)) for name, part in kwargs["files"]]
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    return kwargs


def wire_part(part: Any) -> Any:
    """A generated multipart part as httpx takes it: a number (or null) in a negative case
    is sent as its text, as schemathesis' own transport would."""
    if isinstance(part, tuple):
        filename, content, *rest = part
        return (filename, wire_part(content), *rest)
    return part if isinstance(part, bytes | str) else str(part)


def budget(examples: int) -> hypothesis.settings:
    """A fixed, reproducible number of requests (derandomized; no shrinking, no database)."""
    return hypothesis.settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def describe(exc: BaseException) -> str:
    """A failure's summary: the check's message, and the request to reproduce it."""
    return re.sub(r"\n\s*\n", "\n", str(exc))[:1500]


def fuzz(
    schema: Any, send: Send, known: Known, head: Callable[[], int], examples: int = EXAMPLES
) -> dict[str, str]:
    """Run every operation in both generation modes; the failures, by operation.
    ``head`` is the event log's last position: a refused request must not have moved it."""
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        # Without parameters or a body there is nothing to make invalid.
        modes = [GenerationMode.POSITIVE]
        if operation.body or any(True for _ in operation.iter_parameters()):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @budget(examples)
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
            def check(case: Case, real: bool) -> None:
                if real:
                    known.substitute(case)
                # Reads wait up to 2 s for a later ?min_position= (no projector runs here).
                (case.query or {}).pop("min_position", None)
                before = head()
                response = send(case)
                case.validate_response(response, checks=CHECKS)
                if response.status_code >= 400:  # a refused request writes nothing
                    assert head() == before, (response.status_code, response.text)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # every operation's, not the first
                failures[f"{operation.label} [{mode}]"] = describe(exc)
    return failures


def label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def coverage(run: str, schema: Any, codes: dict[str, set[int]]) -> set[str]:
    """The operations that answered at least one 2xx, printed with those that did not."""
    operations = {label(result.ok()) for result in schema.get_all_operations()}
    succeeded = {op for op, answered in codes.items() if any(200 <= c < 300 for c in answered)}
    print(f"\n{run}: {len(succeeded)} of {len(operations)} operations answered a 2xx")
    for op in sorted(operations - succeeded):
        print(f"  no 2xx: {op} {sorted(codes.get(op, ()))}")
    return succeeded


def run_in_thread(client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> Send:
    """Hypothesis drives a worker thread; each request runs on the test's loop (the app's)."""

    async def request(case: Case) -> httpx.Response:
        sent = client.build_request(**httpx_kwargs(case))
        # A multipart body (a file upload) is a stream: read it, so the checks can see it.
        sent.read()
        return await client.send(sent)

    def send(case: Case) -> httpx.Response:
        future = asyncio.run_coroutine_threadsafe(request(case), loop)
        return future.result(timeout=60)

    return send


@pytest.fixture
def following(application: Sukuma) -> Iterator[None]:
    """A projector following the log, as in production: /readyz's 503 (views behind with no
    projector alive) is then not what the fuzzing meets."""
    # A death here shows as /readyz answering 503, which the fuzzing reports.
    thread = ProjectorThread(build_projector(application), poll_seconds=0.5, on_death=lambda: None)
    thread.start()
    yield
    thread.stop()


@pytest.fixture
async def known(
    client: httpx.AsyncClient, application: Sukuma, clock: Clock, ward_id: str, following: None
) -> Known:
    """The seeded objects, with a projector following the log (the seed's sweep reads views)."""
    return await seed(client, application, ward_id, clock)


async def test_no_operation_answers_a_server_error_or_off_its_documented_schema(
    api: FastAPI,
    client: httpx.AsyncClient,
    application: Sukuma,
    known: Known,
    record_property: Callable[[str, object], None],
) -> None:
    schema = schemathesis.openapi.from_dict(api.openapi())
    sent = run_in_thread(client, asyncio.get_running_loop())
    codes: dict[str, set[int]] = defaultdict(set)

    def send(case: Case) -> httpx.Response:
        response = sent(case)
        codes[label(case.operation)].add(response.status_code)
        return response

    def head() -> int:
        return application.recorder.max_notification_id() or 0

    failures = await asyncio.to_thread(fuzz, schema, send, known, head)

    succeeded = coverage("stateless fuzzing", schema, codes)
    record_property("operations_with_2xx", len(succeeded))
    assert failures == {}
    # With the seeded objects (58 measured; 49 before alerts, places and departments).
    assert len(succeeded) >= 50, sorted(codes)


@pytest.mark.parametrize(
    ("roles", "scope"),
    [((Role.FIELD_WORKER,), "ward:{ward}"), ((Role.DEPARTMENT_OFFICER,), "department:DSD")],
    ids=["field-worker-of-the-ward", "officer-of-one-department"],
)
async def test_a_scoped_user_meets_no_server_error_either(
    api: FastAPI,
    application: Sukuma,
    known: Known,
    ward_id: str,
    roles: tuple[Role, ...],
    scope: str,
) -> None:
    """The same fuzzing as a narrow user, on objects it may see and on ones it may not:
    refusals (403, 404) go through other paths of the access policy than the broad user's."""
    add_user(application, "fuzz-scoped", roles, (scope.format(ward=ward_id),))
    schema = schemathesis.openapi.from_dict(api.openapi())
    transport = httpx.ASGITransport(app=api)
    auth = SignedIn(api, application, "fuzz-scoped")
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, auth=auth) as scoped:
        sent = run_in_thread(scoped, asyncio.get_running_loop())
        codes: set[int] = set()

        def send(case: Case) -> httpx.Response:
            response = sent(case)
            codes.add(response.status_code)
            return response

        def head() -> int:
            return application.recorder.max_notification_id() or 0

        failures = await asyncio.to_thread(fuzz, schema, send, known, head, SCOPED_EXAMPLES)

    assert failures == {}
    # It acted as that user: some requests were allowed, some refused by the access policy.
    assert {200, 201} & codes and {403, 404} <= codes, sorted(codes)


async def test_without_a_token_every_operation_but_the_public_ones_answers_401(
    api: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    schema = schemathesis.openapi.from_dict(api.openapi())
    send = run_in_thread(anonymous, asyncio.get_running_loop())
    answers: dict[str, set[int]] = {}

    def collect() -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in PUBLIC:
                continue

            @budget(3)
            @hypothesis.given(case=operation.as_strategy())
            def check(case: Case) -> None:
                case.headers = {
                    k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
                }
                response = send(case)
                route = f"{case.operation.method.upper()} {case.operation.path}"
                answers.setdefault(route, set()).add(response.status_code)

            check()

    await asyncio.to_thread(collect)

    assert len(answers) > 40
    assert {route: codes for route, codes in answers.items() if codes != {401}} == {}


#: Bodies that once answered 500 (issue 22), sent to every operation that takes JSON: JSON
#: nested past Python's recursion limit, lone surrogates, non-finite numbers, NUL bytes in
#: strings (PostgreSQL's text cannot hold one).
HOSTILE_BODIES = {
    "deep": b"[" * 5000 + b"]" * 5000,
    "lone-surrogate": b'{"name": "\\ud800", "text": "\\udfff", "ward_id": "\\ud800"}',
    "1e400": b'{"occurred_at": 1e400, "version": 1e400, "level": 1e400}',
    "nan": b'{"occurred_at": NaN, "name": Infinity, "level": -Infinity}',
    "nul": b'{"name": "a\\u0000b", "text": "a\\u0000b", "reason": "a\\u0000b", "note": "\\u0000"}',
}
#: ... and to the sign-in form: a NUL byte in the user name, bytes that are not UTF-8.
HOSTILE_FORMS = {
    "nul": b"username=demo%00admin&password=whatever-it-is",
    "not-utf-8": b"username=%ff%fe&password=%c3%28",
}
FORM = "application/x-www-form-urlencoded"
#: Query values PostgreSQL cannot take, by the parameter's type: a NUL byte, an integer past
#: 64 bits (and for a cursor, which is a string, one past 64 bits too).
HOSTILE_QUERY = {"string": ["a\x00b"], "integer": [str(2**63)]}
HOSTILE_CURSORS = [str(2**63), "9" * 30]


def hostile_requests(schema: dict[str, Any], known: Known) -> dict[str, RawRequest]:
    """Every hostile input for every operation that takes it, by what it is."""
    requests: dict[str, RawRequest] = {}
    for path, methods in schema["paths"].items():
        url = re.sub(r"{(\w+)}", lambda m: (known.ids | known.places).get(m.group(1), "x"), path)
        for lower, operation in methods.items():
            method = lower.upper()
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for name, body in HOSTILE_BODIES.items():
                    requests[f"{method} {url} {name}"] = (method, url, body, "application/json")
            if FORM in content:
                for name, body in HOSTILE_FORMS.items():
                    requests[f"{method} {url} {name}"] = (method, url, body, FORM)
            for parameter in operation.get("parameters", []):
                schema_of = parameter.get("schema", {})
                kind = schema_of.get("type") or next(
                    (s.get("type") for s in schema_of.get("anyOf", [])), None
                )
                # A later ?min_position= is waited for (2 s), not refused: not a bad input.
                if parameter["in"] != "query" or parameter["name"] == "min_position":
                    continue
                values = HOSTILE_QUERY.get(kind, [])
                if parameter["name"] == "cursor":
                    values = values + HOSTILE_CURSORS
                for value in values:
                    query = urlencode({parameter["name"]: value})
                    requests[f"{method} {url}?{query}"] = (
                        method,
                        f"{url}?{query}",
                        b"",
                        "text/plain",
                    )
    return requests


def over_the_limit_then_another(port: int, token: str, paths: list[str]) -> dict[str, str]:
    """A body announced over the limit (none sent): 413 and ``Connection: close`` at once,
    then the client's next request, on a new connection, answered."""
    problems = {}
    for path in paths:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.putrequest("POST", path)
            connection.putheader("Authorization", f"Bearer {token}")
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(2 * 1024 * 1024))
            connection.endheaders()
            refused = connection.getresponse()
            refused.read()
            connection.request("GET", "/v1/me", headers={"Authorization": f"Bearer {token}"})
            after = connection.getresponse()
            after.read()
            answer = (refused.status, refused.getheader("Connection"), after.status)
            if answer != (413, "close", 200):
                problems[path] = str(answer)
        finally:
            connection.close()
    return problems


async def test_hostile_inputs_answer_4xx_and_keep_the_connection_on_every_operation(
    api: FastAPI, application: Sukuma, known: Known
) -> None:
    """Issue 22's inputs, explicitly, on every operation through a real server: a 4xx, and
    the keep-alive connection still there for the next request (a 500 drops it)."""
    token = bearer(api, application, "tester")["Authorization"].removeprefix("Bearer ")
    schema = api.openapi()
    requests = hostile_requests(schema, known)
    takes_json = [
        re.sub(r"{(\w+)}", lambda m: known.ids.get(m.group(1), "x"), path)
        for path, methods in schema["paths"].items()
        if "application/json" in methods.get("post", {}).get("requestBody", {}).get("content", {})
    ]

    async with served(api) as port:
        results = await asyncio.to_thread(each_on_one_connection, port, token, [*requests.values()])
        oversized = await asyncio.to_thread(over_the_limit_then_another, port, token, takes_json)

    answers = dict(zip(requests, results, strict=True))
    assert len(answers) > 250
    assert {r: answer for r, answer in answers.items() if not 400 <= answer[0] < 500} == {}
    assert [r for r, (_, kept) in answers.items() if not kept] == []
    assert len(takes_json) > 40
    assert oversized == {}


#: Text PostgreSQL cannot store: a NUL character, a lone surrogate.
UNSTORABLE_TEXT = ("a\x00b", "a\ud800b")


def _body_fields(openapi: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """The top-level fields of an operation's JSON body, [] if it takes none."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if schema is None:
        return []
    ref = schema["schema"]["$ref"].rsplit("/", 1)[-1]
    return list(openapi["components"]["schemas"][ref].get("properties", {}))


async def test_every_body_field_refuses_a_nul_or_a_lone_surrogate_by_name(
    api: FastAPI, client: httpx.AsyncClient, ward_id: str
) -> None:
    """Each field of each body, in turn, given a NUL or a lone surrogate: a 422 naming that
    field, whatever type the field has (its own rule's words, or ``Input``'s)."""
    household_id = await household(client, ward_id)
    openapi = api.openapi()
    missed: dict[str, Any] = {}
    tried = 0
    for path, methods in openapi["paths"].items():
        url = re.sub(r"{(\w+)}", household_id, path)
        for method, operation in methods.items():
            for name in _body_fields(openapi, operation):
                for text in UNSTORABLE_TEXT:
                    # The surrogate travels as the escape "\ud800" (ensure_ascii), as sent
                    body = json.dumps({name: text}).encode()
                    response = await client.request(
                        method, url, content=body, headers={"Content-Type": "application/json"}
                    )
                    tried += 1
                    named = [
                        e
                        for e in response.json().get("detail", [])
                        if isinstance(e, dict) and e.get("loc") == ["body", name]
                    ]
                    if response.status_code != 422 or not named:
                        missed[f"{method.upper()} {path} {name} {text!a}"] = response.status_code

    assert tried > 150
    assert missed == {}


async def test_a_nul_deep_in_a_body_is_refused_by_its_own_field(
    client: httpx.AsyncClient, ward_id: str
) -> None:
    household_id = await household(client, ward_id)
    profile = make_profile(members=[make_member(first_name="Tha\x00ndi")])

    response = await client.post(
        f"/v1/households/{household_id}/profile", json={"profile": profile}
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [["body", "profile", "members", 0, "first_name"]]
    assert "NUL" in detail[0]["msg"]
