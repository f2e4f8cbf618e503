"""Small HTTP steps shared by the API tests (each asserts its own success)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from uuid import uuid4

import httpx
import uvicorn
from eventsourcing.postgres import PostgresDatastore
from fastapi import FastAPI
from psycopg.sql import SQL, Identifier

from tests.factories import make_profile


async def post_ok(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    response = await http.post(url, json=body, **kw)
    assert response.status_code in (200, 201), (url, response.status_code, response.text)
    data: dict[str, Any] = response.json()
    return data


async def household(http: httpx.AsyncClient, ward_id: str) -> str:
    data = await post_ok(http, "/v1/households", {"ward_id": ward_id, "dwelling_type": "informal"})
    return str(data["id"])


async def profiled_household(http: httpx.AsyncClient, ward_id: str) -> str:
    household_id = await household(http, ward_id)
    await post_ok(http, f"/v1/households/{household_id}/profile", {"profile": make_profile()})
    return household_id


async def need(
    http: httpx.AsyncClient,
    household_id: str,
    category: str = "social_grant",
    severity: str = "high",
) -> str:
    data = await post_ok(
        http,
        f"/v1/households/{household_id}/needs",
        {"category": category, "severity": severity},
    )
    return str(data["need_id"])


async def referral(
    http: httpx.AsyncClient, household_id: str, need_id: str, department: str = "SASSA"
) -> str:
    data = await post_ok(
        http,
        "/v1/referrals",
        {
            "id": str(uuid4()),
            "household_id": household_id,
            "need_id": need_id,
            "department": department,
        },
    )
    return str(data["id"])


async def advance_referral(http: httpx.AsyncClient, referral_id: str, *steps: str) -> None:
    bodies = {
        "dispute": {"reason": "household says nothing arrived"},
        "reopen": {"reason": "disputed"},
    }
    for step in steps:
        await post_ok(http, f"/v1/referrals/{referral_id}/{step}", bodies.get(step, {}))


def table_rows(datastore: PostgresDatastore, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, ordered by all its columns."""
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT count(*) AS n FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (datastore.schema, table),
        )
        row = curs.fetchone()
        columns = int(row["n"]) if row else 0
        assert columns, f"no table {table}"
        order = ", ".join(str(i) for i in range(1, columns + 1))
        curs.execute(
            SQL("SELECT * FROM {0}.{1} ORDER BY " + order).format(
                Identifier(datastore.schema), Identifier(table)
            )
        )
        return [tuple(r.values()) for r in curs.fetchall()]


def database_text(datastore: PostgresDatastore) -> dict[str, str]:
    """The text of every column of every table (bytea decoded), by table."""
    texts: dict[str, str] = {}
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_type = 'BASE TABLE'"
        )
        tables = [(r["table_schema"], r["table_name"]) for r in curs.fetchall()]
        for schema, name in tables:
            curs.execute(f'SELECT * FROM "{schema}"."{name}"')
            parts = []
            for row in curs.fetchall():
                for value in row.values():
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("utf-8", "replace"))
                    else:
                        parts.append(str(value))
            texts[f"{schema}.{name}"] = "\n".join(parts)
    return texts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def served(api: FastAPI) -> AsyncIterator[int]:
    """The app (its lifespan already run) behind a real uvicorn server: the port."""
    port = free_port()
    config = uvicorn.Config(
        api, port=port, lifespan="off", proxy_headers=False, log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        await serving


@contextmanager
def served_in_thread(app: Any, name: str = "uvicorn") -> Iterator[str]:
    """``app`` behind a real uvicorn in a thread (its lifespan run by uvicorn): its base URL,
    for a browser or a client outside this event loop."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), f"{name} did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


#: A request as a client sends it: method, path with query, body, content type.
RawRequest = tuple[str, str, bytes, str]


def each_on_one_connection(
    port: int, token: str, requests: list[RawRequest]
) -> list[tuple[int, bool]]:
    """Each request, then a good one, on one keep-alive connection: the codes, and whether
    the good one was answered over that same socket (a 500 drops the connection)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    signed = {"Authorization": f"Bearer {token}"}
    results = []
    try:
        for method, path, body, content_type in requests:
            connection.request(
                method, path, body=body, headers=signed | {"Content-Type": content_type}
            )
            bad = connection.getresponse()
            bad.read()
            socket_before = connection.sock
            connection.request("GET", "/v1/me", headers=signed)
            good = connection.getresponse()
            good.read()
            results.append((bad.status, good.status == 200 and connection.sock is socket_before))
    finally:
        connection.close()
    return results


@contextmanager
def every_connection_held(pool: Any) -> Iterator[None]:
    """Inside: a thread holds every connection the pool may open, a little longer than one
    wait for one (``pool.timeout``), then lets them go; the block's asks wait it out."""
    taken = threading.Event()

    def hold() -> None:
        with contextlib.ExitStack() as stack:
            for _ in range(pool.max_size):
                stack.enter_context(pool.connection())
            taken.set()
            time.sleep(pool.timeout * 1.5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10)
        yield
    finally:
        holder.join()
