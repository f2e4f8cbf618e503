"""Each package keeps its job, and the stack only points down.

From the bottom: ``domain`` (pure), ``adapters`` (event store, keys, database), ``projections``,
``scheduler``, ``api``, ``web`` (the pages, over the API's dependencies), and the composition
root ``sukuma`` on top. A package may import the ones below it and never one above it; nothing
imports the composition root.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = {
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_settings",
    "asyncpg",
    "psycopg",
    "psycopg_pool",
    "apscheduler",
    "projections",
    "api",
    "scheduler",
    "sukuma",
    "uvicorn",
    "httpx",
}
FORBIDDEN_EVENTSOURCING = {"eventsourcing.postgres", "eventsourcing.sqlite"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_domain_imports_only_stdlib_eventsourcing_and_itself() -> None:
    leaks: list[str] = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top == "domain"
                or (top == "eventsourcing" and module not in FORBIDDEN_EVENTSOURCING)
                or top == "__future__"
            )
            if not allowed or top in FORBIDDEN_IN_DOMAIN:
                leaks.append(f"{path.relative_to(ROOT)} imports {module}")
    assert leaks == []


#: The stack, bottom first.
LAYERS = ("domain", "adapters", "projections", "scheduler", "api", "web", "sukuma")


def test_no_package_imports_one_above_it() -> None:
    upward: list[str] = []
    for rank, package in enumerate(LAYERS):
        above = set(LAYERS[rank + 1 :])
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in imported_modules(path):
                if module.split(".")[0] in above:
                    upward.append(f"{path.relative_to(ROOT)} imports {module}")
    assert upward == []


def test_every_product_package_is_in_the_stack() -> None:
    """A new top-level package must take its place in LAYERS (or be tests/bench)."""
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench"}
    }
    assert packages == set(LAYERS)


def test_no_application_call_inside_async_route() -> None:
    """The write side blocks (psycopg): routes that call it must be plain ``def``."""
    offenders: list[str] = []
    for path in sorted((ROOT / "api" / "routers").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.AsyncFunctionDef):
                params = {a.arg for a in node.args.args}
                if "app" in params or "cmd" in params:
                    offenders.append(f"{path.name}:{node.name}")
    assert offenders == []
