"""A projector process starts without the API and its pages: their imports (FastAPI, the web
workspace, WeasyPrint, matplotlib, pyxform) were most of its start-up, once per projection."""

from __future__ import annotations

import subprocess
import sys


def test_the_projector_imports_neither_the_api_nor_the_pages() -> None:
    # When a fresh interpreter imports the projector's entry point
    probe = (
        "import sys, sukuma.projector; "
        "print(sorted(m for m in ('api.main', 'web', 'weasyprint', 'matplotlib', 'fastapi') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    # Then none of the HTTP side came with it
    assert out.strip() == "[]"


def test_sukuma_project_starts_without_the_rest_of_the_cli() -> None:
    # When `sukuma project` runs (here refusing an unknown projection), with every module its
    # command imports before it reads the log
    probe = (
        "import sys\n"
        "sys.argv = ['sukuma', 'project', '--projection', 'nowhere']\n"
        "import adapters.database, projections.registry, sukuma.projector, sukuma.cli\n"
        "try:\n"
        "    sukuma.cli.main()\n"
        "except SystemExit as exited:\n"
        "    print(exited.code)\n"
        "print(sorted(m for m in ('sukuma.commands', 'sukuma.wiring', 'domain.sukuma', "
        "'api.main', 'web', 'weasyprint', 'fastapi') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    # Then it refused as the whole CLI does, and none of the other commands' modules came
    assert done.stdout.split("\n")[:2] == ["2", "[]"], done.stderr
    assert "unknown projection(s) nowhere" in done.stderr
