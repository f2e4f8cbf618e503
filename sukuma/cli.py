"""The ``sukuma`` command's entry point (``python -m sukuma.cli``, the ``sukuma`` script).

``sukuma project`` (a compose service a projection) runs its command alone
(``sukuma.project_cli``): importing every command's modules was about 3 s of CPU before
each projector started. Every other command runs through the whole CLI,
``sukuma.commands``, whose names (``cli``, ...) this module also gives.
"""

from __future__ import annotations

import logging
import sys
from importlib import import_module
from typing import Any

from rich.console import Console

from adapters.migrations import SchemaNotReady


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if sys.argv[1:2] == ["project"]:
            from sukuma.project_cli import run

            run(sys.argv[2:])
        else:
            from sukuma.commands import cli

            cli()
    except SchemaNotReady as refused:  # every command but `migrate` needs the current schema
        Console(stderr=True).print(f"[red]{refused}[/]", soft_wrap=True)
        raise SystemExit(2) from None


def __getattr__(name: str) -> Any:
    return getattr(import_module("sukuma.commands"), name)


if __name__ == "__main__":
    main()
