"""``sukuma users``: add, list and deactivate the people who may sign in (runs as the system)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.passwords import hash_password
from domain.access.principal import Role
from domain.context import CommandContext
from domain.errors import DomainError
from domain.sukuma import Sukuma
from domain.users.names import normalise_username
from sukuma.settings import load_settings
from sukuma.wiring import build_application, ensure_database

MIN_PASSWORD_LENGTH = 10

users_cli = typer.Typer(help="Manage users (who may sign in, with which roles and scopes).")
console = Console(stderr=True)


@contextmanager
def _application() -> Iterator[Sukuma]:
    settings = load_settings()
    application = build_application(settings, ensure_database(settings))
    try:
        yield application
    except DomainError as exc:
        _refuse(exc)
    finally:
        application.close()


def _refuse(exc: DomainError) -> NoReturn:
    # Escaped (the message may quote user input), unwrapped (a name stays on one line).
    console.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
    raise typer.Exit(1) from None


def _ctx() -> CommandContext:
    return CommandContext(actor="cli", occurred_at=datetime.now(UTC))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        console.print(f"[red]The password needs at least {MIN_PASSWORD_LENGTH} characters.[/]")
        raise typer.Exit(1)
    return password


@users_cli.command("add")
def add(
    username: Annotated[
        str, typer.Argument(help="Sign-in name: ASCII letters, digits, '.', '_', '-', '@'")
    ],
    role: Annotated[list[Role], typer.Option(help="A role (repeat for several)")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="ward:<id>, municipality:KZN225, district:DC22, province:KZN, "
            "department:<code>, pii:read (repeat for several)"
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from the first line of standard input")
    ] = False,
) -> None:
    """Add a user; the password is stored only as an argon2 hash."""
    try:  # the domain's rule, checked again by add_user: refused before asking for a password
        name = normalise_username(username)
    except DomainError as exc:
        _refuse(exc)
    password_hash = hash_password(_password(password_stdin))
    with _application() as application:
        application.add_user(
            username=name,
            roles=role,
            scopes=scope or [],
            password_hash=password_hash,
            ctx=_ctx(),
        )
    console.print(f"[green]user {name} added[/]")


@users_cli.command("list")
def list_users() -> None:
    """Every user with its roles, scopes and whether it may sign in."""
    table = Table("username", "roles", "scopes", "active")
    with _application() as application:
        for user in application.users():
            table.add_row(
                user.username,
                ", ".join(sorted(user.roles)),
                ", ".join(sorted(user.scopes)),
                "yes" if user.active else "no",
            )
    Console().print(table)


@users_cli.command("deactivate")
def deactivate(
    username: Annotated[str, typer.Argument(help="Sign-in name")],
    reason: Annotated[str, typer.Option(help="Why (kept in the event)")] = "deactivated by CLI",
) -> None:
    """Stop a user from signing in; its tokens stop working within the state cache's TTL."""
    with _application() as application:
        application.deactivate_user(username.lower(), reason, _ctx())
    console.print(f"[green]user {username.lower()} deactivated[/]")
