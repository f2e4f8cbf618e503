"""Command routes' blocking bodies, run on the app's own thread pool.

A ``def`` route is run by FastAPI through anyio's ``to_thread.run_sync``: two event-loop
checkpoints and two cancel scopes a call (about twice the CPU of ``loop.run_in_executor``
measured alone, on every command). A command route is written as a plain function and
decorated with ``command_thread``: FastAPI sees an ``async def`` taking the same parameters,
which runs the body on a ``ThreadPoolExecutor`` the lifespan opens and shuts down. The body
never runs on the event loop (psycopg blocks), and it holds a token of anyio's default
limiter while it runs, as before, so the API still runs at most as many blocking calls at once
as the event store has connections (``api.main``).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from anyio import WouldBlock, to_thread
from fastapi import FastAPI, Request

P = ParamSpec("P")
R = TypeVar("R")

#: The parameter the async route gains for its request (FastAPI fills a ``Request`` one
#: whatever its name; it is neither a query parameter nor in the schema).
_REQUEST = "command_thread_request"


def open_pool(app: FastAPI, size: int) -> None:
    """The app's command threads: as many as the blocking calls it lets run at once."""
    to_thread.current_default_thread_limiter().total_tokens = size
    app.state.command_threads = ThreadPoolExecutor(size, thread_name_prefix="command")


async def close_pool(app: FastAPI) -> None:
    pool: ThreadPoolExecutor = app.state.command_threads
    await asyncio.to_thread(pool.shutdown)


def command_thread(route: Callable[P, R]) -> Callable[..., Awaitable[R]]:
    """``route`` as an ``async def`` route that runs it on the app's command threads."""
    signature = inspect.signature(route, eval_str=True)  # as FastAPI would read ``route``
    request = inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request)

    @functools.wraps(route)
    async def call(**kwargs: Any) -> R:
        app: FastAPI = kwargs.pop(_REQUEST).app
        return await run(app, functools.partial(route, **kwargs))

    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), request]
    )
    return call


async def run(app: FastAPI, body: Callable[[], R]) -> R:
    """``body()`` on the app's command threads, under a token of anyio's default limiter."""
    limiter = to_thread.current_default_thread_limiter()
    try:
        limiter.acquire_nowait()  # no checkpoint when a token is free (most calls)
    except WouldBlock:
        await limiter.acquire()
    try:
        pool: ThreadPoolExecutor = app.state.command_threads
        context = contextvars.copy_context()  # as anyio runs it: the caller's context
        done = asyncio.get_running_loop().run_in_executor(pool, context.run, body)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # As anyio's hop: the token is held until the body has finished.
            await asyncio.wait([done])
            raise
    finally:
        limiter.release()
